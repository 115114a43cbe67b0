package dev.ephyr.load;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Node loss under load: bearer {@code task_info} load on every node; a third of the way in the last node is
 * killed with SIGKILL. A client whose request fails to reach a node moves to the next live one, as an agent
 * would. Errors should be limited to requests in flight to the killed node; anything the survivors refuse
 * is reported by reason and phase.
 */
final class NodeLoss {
  private NodeLoss() {}

  static JsonObject run(Workload w, LocalCluster cluster, NodeStats stats) throws InterruptedException {
    List<Workload.Task> tasks = w.createTasks(32, false);
    int n = w.nodes().size();
    int victim = n - 1;
    AtomicLongArray down = new AtomicLongArray(n);
    AtomicLong killedAt = new AtomicLong();
    AtomicLong next = new AtomicLong();
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    Recorder rec = new Recorder("node-loss");
    stats.begin();
    long start = System.nanoTime();
    Future<Void> loadDone = w.loop(Math.max(1, Math.min(32, w.options().concurrency())))
        .run(w.options().duration(), rec, (node, due) -> {
          int target = node;
          for (int i = 0; i < n && down.get(target) != 0; i++) {
            target = (target + 1) % n;
          }
          int to = target;
          Workload.Task t = tasks.get((int) (next.getAndIncrement() % tasks.size()));
          return w.client().taskInfo(w.node(to), t.token(), null).map(o -> {
            if (!o.accepted()) {
              String phase = killedAt.get() == 0 ? "before_kill" : "after_kill";
              String who = to == victim ? "killed_node" : "survivors";
              errors.computeIfAbsent(phase + "." + who + "." + o.code(), k -> new LongAdder()).increment();
              if (o.transport()) {
                down.set(to, 1);
              }
            }
            return o;
          });
        });
    long killAfter = w.options().duration().toMillis() / 3;
    w.vertx().timer(Math.max(1, killAfter)).await();
    killedAt.set(System.nanoTime());
    cluster.kill(victim);
    loadDone.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    JsonObject byPhase = new JsonObject();
    new TreeMap<>(errors).forEach((k, v) -> byPhase.put(k, v.sum()));
    long survivorErrors = errors.entrySet().stream().filter(e -> e.getKey().contains(".survivors."))
        .mapToLong(e -> e.getValue().sum()).sum();
    return new JsonObject().put("scenario", "node-loss")
        .put("what", "bearer task_info on every node; node n" + n + " killed with SIGKILL at "
            + Recorder.round(killAfter / 1000.0) + " s; clients move to the next live node on a connection error")
        .put("seconds", Recorder.round(seconds)).put("nodes", n).put("killed", "n" + n)
        .put("errors_by_phase_node_reason", byPhase).put("survivor_errors", survivorErrors)
        .put("result", rec.toJson(seconds)).put("node_stats", stats.end(seconds));
  }
}
