package dev.ephyr.load;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * DPoP-bound calls whose proofs were signed before the measured phase. Signing on the fly puts the driver's
 * Ed25519 signatures (tens of µs each, about what the node spends checking one) on the cores the node under
 * test runs on, where a real client signs on its own machine. Each proof is still fresh and used once: its own
 * {@code jti}, the {@code htm}, {@code htu}, {@code ath} and {@code bh} of the one request it goes with, and an
 * {@code iat} from just before the phase, so the node's window and replay checks run as for any call. A node
 * whose proofs run out, or whose proofs' {@code iat} is about to leave the window, gets proofs signed on the
 * fly, and those are counted in the report.
 */
final class PresignedProofs implements LoadLoop.Operation {
  /** The node's default {@code dpop.iat-window}: a local cluster runs with it. */
  static final Duration IAT_WINDOW = Duration.ofSeconds(60);
  /** Pre-signed proofs are not sent within this much of their window's end (clock reads, iat truncation). */
  private static final Duration MARGIN = Duration.ofSeconds(10);
  /**
   * Proofs signed per request the warm-up's throughput predicts: the phase runs faster without the driver
   * signing, and on a shared machine a warm-up can run at a fraction of the phase's pace.
   */
  private static final double HEADROOM = 4;
  /** Bounds the driver's memory (a proof is about half a kilobyte). */
  private static final int MAX_PROOFS = 1_000_000;

  private record Call(Workload.Task task, String proof) {}

  private final Workload w;
  private final List<Workload.Task> tasks;
  private final BrokerClient.Request request;
  private final Call[][] byNode;
  private final AtomicInteger[] next;
  private final long signedAt;
  private final double signSeconds;
  private final LongAdder signedLate = new LongAdder();

  private PresignedProofs(Workload w, List<Workload.Task> tasks, BrokerClient.Request request, Call[][] byNode,
      long signedAt, double signSeconds) {
    this.w = w;
    this.tasks = tasks;
    this.request = request;
    this.byNode = byNode;
    this.signedAt = signedAt;
    this.signSeconds = signSeconds;
    this.next = new AtomicInteger[byNode.length];
    for (int i = 0; i < next.length; i++) {
      next[i] = new AtomicInteger();
    }
  }

  /**
   * Signs enough proofs for a phase of {@code w}'s duration at {@code HEADROOM} times {@code perSecond}, on
   * every core (the node is idle between phases). Not on an event loop: it blocks for seconds.
   */
  static PresignedProofs sign(Workload w, List<Workload.Task> tasks, BrokerClient.Request request, double perSecond) {
    int nodes = w.nodes().size();
    long wanted = (long) Math.ceil(perSecond * HEADROOM * w.options().duration().toNanos() / 1e9);
    int perNode = (int) (Math.min(wanted, MAX_PROOFS) / nodes);
    long signedAt = System.nanoTime();
    Call[][] byNode = new Call[nodes][];
    for (int n = 0; n < nodes; n++) {
      String url = w.node(n);
      byNode[n] = IntStream.range(0, perNode).parallel().mapToObj(i -> {
        Workload.Task t = tasks.get(i % tasks.size());
        return new Call(t, w.client().proof(url, t.token(), t.key(), request));
      }).toArray(Call[]::new);
    }
    return new PresignedProofs(w, tasks, request, byNode, signedAt, (System.nanoTime() - signedAt) / 1e9);
  }

  @Override
  public Future<Outcome> apply(Integer node, Long due) {
    int i = next[node].getAndIncrement();
    if (i < byNode[node].length && System.nanoTime() - signedAt < IAT_WINDOW.minus(MARGIN).toNanos()) {
      Call c = byNode[node][i];
      return w.client().mcpWithProof(w.node(node), c.task().token(), c.proof(), request);
    }
    signedLate.increment();
    Workload.Task t = tasks.get(i % tasks.size());
    return w.client().mcp(w.node(node), t.token(), t.key(), request);
  }

  /** How many proofs were signed ahead, in how long, and how many calls still signed theirs on the fly. */
  JsonObject toJson() {
    long signed = 0;
    for (Call[] calls : byNode) {
      signed += calls.length;
    }
    return new JsonObject().put("signed_before_phase", signed).put("sign_seconds", Recorder.round(signSeconds))
        .put("signed_during_phase", signedLate.sum());
  }
}
