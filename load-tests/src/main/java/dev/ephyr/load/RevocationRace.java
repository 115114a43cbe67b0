package dev.ephyr.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The revocation race. Load runs on every node with the child tokens of a set of subtrees; meanwhile
 * revokers revoke subtree roots on random nodes, and right after each acknowledged revoke probe the child
 * token on every node. Any request sent after the revoke was acknowledged by all members that is still
 * accepted is a violation; the only acceptable count is zero.
 */
final class RevocationRace {
  private static final int SLOTS = 16;
  private static final long SETTLE_MS = 20;   // load reaches the fresh subtree before it is revoked
  private static final long LINGER_MS = 50;   // load keeps hitting the revoked subtree after the ack

  /** A root with one delegated child; {@code ackNanos} is set when its revoke is acknowledged. */
  private static final class Subtree {
    final String root;
    final String childToken;
    volatile long ackNanos;

    Subtree(String root, String childToken) {
      this.root = root;
      this.childToken = childToken;
    }
  }

  private final Workload w;
  private final AtomicReferenceArray<Subtree> slots = new AtomicReferenceArray<>(SLOTS);
  private static final int MAX_CONSECUTIVE_FAILURES = 50;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong revocations = new AtomicLong();
  private final AtomicLong unacknowledged = new AtomicLong();
  private final AtomicLong postAckRequests = new AtomicLong();
  private final AtomicLong postAckRefused = new AtomicLong();
  private final AtomicLong violations = new AtomicLong();
  private final List<String> violationSamples = new ArrayList<>();
  private final String name;
  private final int rate;
  private final Recorder load;
  private final Recorder revoke;
  private final Recorder probes;
  private volatile boolean stop;

  private RevocationRace(Workload w, String name, int rate) {
    this.w = w;
    this.name = name;
    this.rate = rate;
    this.load = new Recorder(name);
    this.revoke = new Recorder(name + ".revoke");
    this.probes = new Recorder(name + ".probe");
  }

  static JsonObject run(Workload w, NodeStats stats) {
    return run(w, stats, "revocation-race", w.options().rate());
  }

  /** The race with its request load at {@code rate} per second over all nodes (0: flat out), reported as {@code name}. */
  static JsonObject run(Workload w, NodeStats stats, String name, int rate) {
    return new RevocationRace(w, name, rate).run(stats);
  }

  private JsonObject run(NodeStats stats) {
    for (int i = 0; i < SLOTS; i++) {
      slots.set(i, fresh().await());
    }
    int target = w.options().revocations();
    stats.begin();
    long start = System.nanoTime();
    revoke.start(start);
    probes.start(start);
    List<Future<Void>> revokers = new ArrayList<>();
    for (int i = 0; i < SLOTS; i++) {
      int slot = i;
      Promise<Void> done = Promise.promise();
      w.vertx().getOrCreateContext().runOnContext(v -> cycle(slot, target, done));
      revokers.add(done.future());
    }
    long minEnd = start + w.options().duration().toNanos();
    // The load phase lasts until the revokers are done and at least the configured duration has passed.
    Future<Void> loadDone = new LoadLoop(w.vertx(), w.nodes().size(), Math.max(1, Math.min(32, w.options().concurrency())),
        rate)
        .run(java.time.Duration.ofHours(1), () -> stop, load, (node, due) -> {
          Subtree s = slots.get(ThreadLocalRandom.current().nextInt(SLOTS));
          return request(w.node(node), s, due, null);
        });
    Future.all(revokers).await();
    while (System.nanoTime() < minEnd) {
      w.vertx().timer(Math.max(1, (minEnd - System.nanoTime()) / 1_000_000)).await();
    }
    stop = true;
    loadDone.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    long now = System.nanoTime();
    revoke.tick(now);
    probes.tick(now);
    JsonObject revokeJson = revoke.toJson(seconds);
    revokeJson.remove("intervals");
    JsonObject probeJson = probes.toJson(seconds);
    probeJson.remove("intervals");
    JsonObject loadJson = load.toJson(seconds);
    return new JsonObject().put("scenario", name).put("rate", rate)
        .put("what", "task_info load with child tokens on every node while their roots are revoked on random nodes; "
            + "probes on every node right after each acknowledged revoke")
        .put("seconds", Recorder.round(seconds)).put("nodes", w.nodes().size())
        .put("revocations", revocations.get()).put("revocations_not_acknowledged_by_all", unacknowledged.get())
        .put("requests_after_ack", postAckRequests.get()).put("refused_after_ack", postAckRefused.get())
        .put("accepted_after_ack", violations.get()).put("violation_samples", new JsonArray(violationSamples))
        .put("result", loadJson).put("revoke", revokeJson).put("probes", probeJson).put("node_stats", stats.end(seconds));
  }

  /** Replace the slot's subtree, let load reach it, revoke it, probe every node, linger, repeat. */
  private void cycle(int slot, int target, Promise<Void> done) {
    if (revocations.get() >= target) {
      done.complete();
      return;
    }
    Subtree s = slots.get(slot);
    w.vertx().timer(SETTLE_MS).compose(v -> {
      long sent = System.nanoTime();
      return w.client().revoke(w.randomNode(), w.apiKey(), s.root).map(r -> {
        long ack = System.nanoTime();
        revoke.record(Outcome.OK, (ack - sent) / 1000);
        if (r.getBoolean("acknowledged_by_all", false)) {
          s.ackNanos = ack;
        } else {
          unacknowledged.incrementAndGet();
        }
        revocations.incrementAndGet();
        return s;
      });
    }).compose(revoked -> {
      List<Future<Outcome>> all = new ArrayList<>();
      for (String node : w.nodes()) {
        all.add(request(node, revoked, System.nanoTime(), probes));
      }
      return Future.join(all);
    }).compose(v -> w.vertx().timer(LINGER_MS)).compose(v -> fresh()).onComplete(ar -> {
      if (ar.succeeded()) {
        failures.set(0);
        slots.set(slot, ar.result());
        cycle(slot, target, done);
      } else if (failures.incrementAndGet() > MAX_CONSECUTIVE_FAILURES) {
        done.fail(new IllegalStateException("the revokers keep failing; last: " + ar.cause().getMessage(), ar.cause()));
      } else {
        revoke.record(Outcome.refused(BrokerClient.code(ar.cause())), 0);
        cycle(slot, target, done);
      }
    });
  }

  private Future<Outcome> request(String node, Subtree s, long due, Recorder rec) {
    long sent = System.nanoTime();
    return w.client().taskInfo(node, s.childToken, null).map(o -> {
      if (rec != null) {
        rec.record(o, (System.nanoTime() - sent) / 1000);
      }
      long ack = s.ackNanos;
      if (ack != 0 && sent > ack) {
        postAckRequests.incrementAndGet();
        if (o.accepted()) {
          violations.incrementAndGet();
          synchronized (violationSamples) {
            if (violationSamples.size() < 20) {
              violationSamples.add(s.root + " accepted on " + node + " " + (sent - ack) / 1000 + " µs after the ack");
            }
          }
        } else {
          postAckRefused.incrementAndGet();
        }
      }
      return o;
    });
  }

  private Future<Subtree> fresh() {
    return w.createTask(w.randomNode(), false, new JsonObject().put("can_delegate", true).put("max_depth", 2))
        .compose(root -> w.client().delegate(w.randomNode(), root.token(),
                new JsonObject().put("description", "race child").put("ttl", "10m"))
            .map(child -> new Subtree(root.id(), child.getString("token"))));
  }
}
