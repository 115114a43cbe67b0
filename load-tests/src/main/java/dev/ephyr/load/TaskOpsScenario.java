package dev.ephyr.load;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What each task operation costs the cluster: after unrecorded whole cycles for the warm-up, four phases, each
 * measured on its own (its own CPU window) —
 * create roots for the run's duration, then delegate a child (two-phase bind window) from each root, bind each
 * child with a DPoP proof, and revoke each root (acknowledged by every member), each phase until its input runs
 * out or the duration passes. Every request goes to the next node in turn. Reports, per operation, the cluster's
 * CPU µs and the driver's beside it.
 */
final class TaskOpsScenario {
  static final String NAME = "task-ops";

  private TaskOpsScenario() {}

  static JsonObject run(Workload w, NodeStats stats) {
    int concurrency = Math.max(1, Math.min(8, w.options().concurrency()));
    Duration limit = w.options().duration();
    ConcurrentLinkedQueue<Workload.Task> roots = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> children = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> toRevoke = new ConcurrentLinkedQueue<>();
    JsonArray rows = new JsonArray();
    if (!w.options().warmup().isZero()) {
      // Unrecorded whole cycles first: every phase below is then measured on compiled code.
      w.loop(concurrency).run(w.options().warmup(), new Recorder("warmup"), (node, due) -> w.createTask(w.node(node),
              false, new JsonObject().put("can_delegate", true).put("max_depth", 2))
          .compose(root -> w.client().delegate(w.randomNode(), root.token(),
                  new JsonObject().put("description", "child").put("ttl", "10m").put("bind_within", 300))
              .compose(child -> w.client().bind(w.randomNode(), child.getString("token"), Workload.newKey()))
              .compose(bound -> w.client().revoke(w.randomNode(), w.apiKey(), root.id())))
          .map(r -> Outcome.OK).recover(e -> Future.succeededFuture(Outcome.refused(BrokerClient.code(e))))).await();
    }

    rows.add(phase(w, stats, "create", concurrency, limit, () -> false, (node, due) ->
        w.createTask(w.node(node), false, new JsonObject().put("can_delegate", true).put("max_depth", 2))
            .map(t -> {
              roots.add(t);
              toRevoke.add(t.id());
              return Outcome.OK;
            })));
    rows.add(phase(w, stats, "delegate", concurrency, limit, roots::isEmpty, (node, due) -> {
      Workload.Task root = roots.poll();
      if (root == null) {
        return Future.succeededFuture(Outcome.refused("exhausted"));
      }
      return w.client().delegate(w.node(node), root.token(),
              new JsonObject().put("description", "child").put("ttl", "10m").put("bind_within", 300))
          .map(child -> {
            children.add(child.getString("token"));
            return Outcome.OK;
          });
    }));
    rows.add(phase(w, stats, "bind", concurrency, limit, children::isEmpty, (node, due) -> {
      String child = children.poll();
      if (child == null) {
        return Future.succeededFuture(Outcome.refused("exhausted"));
      }
      return w.client().bind(w.node(node), child, Workload.newKey()).map(r -> Outcome.OK);
    }));
    rows.add(phase(w, stats, "revoke", concurrency, limit, toRevoke::isEmpty, (node, due) -> {
      String root = toRevoke.poll();
      if (root == null) {
        return Future.succeededFuture(Outcome.refused("exhausted"));
      }
      return w.client().revoke(w.node(node), w.apiKey(), root).map(r -> r.getBoolean("acknowledged_by_all", false)
          ? Outcome.OK : Outcome.refused("revoke_not_acknowledged"));
    }));
    return new JsonObject().put("scenario", NAME)
        .put("what", "create, delegate, bind and revoke, each phase measured on its own, " + concurrency
            + " in flight per node")
        .put("nodes", w.nodes().size()).put("concurrency_per_node", concurrency).put("rows", rows);
  }

  private static JsonObject phase(Workload w, NodeStats stats, String op, int concurrency, Duration limit,
      java.util.function.BooleanSupplier exhausted, LoadLoop.Operation call) {
    Recorder rec = new Recorder(NAME + "." + op);
    stats.begin();
    long startedMs = System.currentTimeMillis();
    long start = System.nanoTime();
    w.loop(concurrency).run(limit, exhausted, rec, (node, due) -> call.apply(node, due)
        .recover(e -> Future.succeededFuture(Outcome.refused(BrokerClient.code(e))))).await();
    double seconds = (System.nanoTime() - start) / 1e9;
    JsonArray nodeStats = stats.end(seconds);
    JsonObject result = rec.toJson(seconds);
    long ok = result.getLong("accepted", 0L);
    double cluster = 0;
    double driver = 0;
    for (Object o : nodeStats) {
      JsonObject n = (JsonObject) o;
      if ("driver".equals(n.getString("node"))) {
        driver = n.getDouble("cpu_seconds", 0.0);
      } else {
        cluster += n.getDouble("cpu_seconds", 0.0);
      }
    }
    return new JsonObject().put("nodes", w.nodes().size()).put("call", op).put("requests", result.getLong("requests"))
        .put("accepted", ok).put("refusals", result.getJsonObject("refusals"))
        .put("throughput_per_s", Recorder.round(ok / seconds))
        .put("throughput_per_node_per_s", Recorder.round(ok / seconds / w.nodes().size()))
        .put("p50_ms", result.getDouble("p50_ms")).put("p99_ms", result.getDouble("p99_ms"))
        .put("cluster_cpu_seconds", Recorder.round(cluster))
        .put("cpu_us_per_request", ok == 0 ? null : Recorder.round(cluster * 1e6 / ok))
        .put("driver_cpu_us_per_request", ok == 0 ? null : Recorder.round(driver * 1e6 / ok))
        .put("seconds", Recorder.round(seconds)).put("started_epoch_ms", startedMs).put("node_stats", nodeStats);
  }
}
