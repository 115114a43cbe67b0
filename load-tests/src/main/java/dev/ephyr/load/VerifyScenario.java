package dev.ephyr.load;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verification-heavy load: {@code tools/call task_info} spread over every node, each call verifying the
 * token (and, for DPoP-bound tokens, a fresh proof and a cluster-wide replay check).
 */
final class VerifyScenario {
  private static final int TASKS = 64;

  private VerifyScenario() {}

  /** What each request of the scenario asks. */
  enum Call {
    /** {@code tools/call task_info}: verification plus one task-registry read. */
    TASK_INFO("tools/call task_info", "", BrokerClient.Request.TASK_INFO),
    /** {@code tools/call task_list}: verification plus one task-registry query (the token's tree). */
    TASK_LIST("tools/call task_list", "-list", BrokerClient.Request.TASK_LIST),
    /** MCP {@code ping}: token verification without any tool (no registry read). */
    PING("MCP ping", "-ping", BrokerClient.Request.PING);

    final String what;
    final String suffix;
    final BrokerClient.Request request;

    Call(String what, String suffix, BrokerClient.Request request) {
      this.what = what;
      this.suffix = suffix;
      this.request = request;
    }
  }

  static JsonObject run(Workload w, boolean dpop, NodeStats stats) {
    return run(w, dpop, Call.TASK_INFO, stats);
  }

  static JsonObject run(Workload w, boolean dpop, Call kind, NodeStats stats) {
    List<Workload.Task> tasks = w.createTasks(TASKS, dpop);
    Recorder rec = new Recorder((dpop ? "verify-dpop" : "verify-bearer") + kind.suffix);
    AtomicLong next = new AtomicLong();
    // The warm-up (and a bearer run) sends what a client sends, DPoP proofs signed per call.
    LoadLoop.Operation call = (node, due) -> {
      Workload.Task t = tasks.get((int) (next.getAndIncrement() % tasks.size()));
      return w.client().mcp(w.node(node), t.token(), t.key(), kind.request);
    };
    PresignedProofs[] proofs = {null};
    double seconds = !dpop ? w.warmUpThenMeasure(rec, call, stats) : w.warmUpThenMeasure(rec, call,
        perSecond -> proofs[0] = PresignedProofs.sign(w, tasks, kind.request, perSecond), stats);
    JsonObject out = new JsonObject().put("scenario", rec.name())
        .put("what", kind.what + (dpop ? " with DPoP-bound tokens (a fresh proof per call, signed before the "
            + "measured phase: a real client signs on its own machine, not on the node's cores)"
            : " with bearer task tokens"))
        .put("seconds", Recorder.round(seconds)).put("warmup_seconds", w.options().warmup().toSeconds())
        .put("nodes", w.nodes().size())
        .put("concurrency_per_node", w.options().concurrency()).put("rate", w.options().rate())
        .put("result", rec.toJson(seconds)).put("node_stats", stats.end(seconds));
    if (proofs[0] != null) {
      out.put("proofs", proofs[0].toJson());
    }
    return out;
  }
}
