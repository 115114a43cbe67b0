package dev.ephyr.load;

import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleFunction;

/**
 * What every scenario works with: the nodes, the agent's API key, the client, and helpers that create the
 * tasks a scenario drives.
 *
 * @param vertx the driver's Vert.x
 * @param client the HTTP client
 * @param nodes base URLs of the nodes
 * @param apiKey the load agent's API key
 * @param options the run's options
 */
record Workload(Vertx vertx, BrokerClient client, List<String> nodes, String apiKey, LoadOptions options) {
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * One task a scenario acts with.
   *
   * @param id the task id
   * @param token its token
   * @param key the holder key it is bound to, or null for a bearer token
   */
  record Task(String id, String token, HolderKeyPair key) {}

  String node(int i) {
    return nodes.get(i % nodes.size());
  }

  String randomNode() {
    return nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
  }

  LoadLoop loop(int concurrency) {
    return new LoadLoop(vertx, nodes.size(), concurrency, options.rate());
  }

  /**
   * The throughput phase of a scenario: unrecorded warm-up, then {@code call} flat out (or at the rate) for the
   * run's duration into {@code rec}, with {@code stats} taken over the measured part only.
   *
   * @return the measured part's length in seconds
   */
  double warmUpThenMeasure(Recorder rec, LoadLoop.Operation call, NodeStats stats) {
    return warmUpThenMeasure(rec, call, perSecond -> call, stats);
  }

  /**
   * Like {@link #warmUpThenMeasure(Recorder, LoadLoop.Operation, NodeStats)}, but the measured part runs the
   * operation {@code prepare} returns, given the warm-up's throughput per second (0 without a warm-up); it runs
   * between the two, outside the measurement.
   */
  double warmUpThenMeasure(Recorder rec, LoadLoop.Operation warmUp, DoubleFunction<LoadLoop.Operation> prepare,
      NodeStats stats) {
    double perSecond = 0;
    if (!options.warmup().isZero()) {
      Recorder warm = new Recorder("warmup");
      long start = System.nanoTime();
      loop(options.concurrency()).run(options.warmup(), warm, warmUp).await();
      perSecond = warm.count() / ((System.nanoTime() - start) / 1e9);
    }
    LoadLoop.Operation call = prepare.apply(perSecond);
    stats.begin();
    long start = System.nanoTime();
    loop(options.concurrency()).run(options.duration(), rec, call).await();
    return (System.nanoTime() - start) / 1e9;
  }

  /** Creates {@code count} root tasks, bound to fresh holder keys when {@code bound}, a few at a time. */
  List<Task> createTasks(int count, boolean bound) {
    List<Task> out = new ArrayList<>();
    int batch = 16;
    for (int from = 0; from < count; from += batch) {
      List<Future<Task>> pending = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + batch); i++) {
        pending.add(createTask(node(i), bound, new JsonObject()));
      }
      for (Future<Task> f : pending) {
        out.add(f.await());
      }
    }
    return out;
  }

  /** One root task on {@code node}; {@code extra} adds arguments (e.g. {@code can_delegate}). */
  Future<Task> createTask(String node, boolean bound, JsonObject extra) {
    HolderKeyPair key = bound ? HolderKeyPair.generate(RANDOM) : null;
    JsonObject args = new JsonObject().put("description", "load").put("ttl", "1h").mergeIn(extra);
    if (key != null) {
      args.put("holder_jkt", key.jkt());
    }
    return client.createTask(node, apiKey, args)
        .map(r -> new Task(r.getString("task_id"), r.getString("token"), key));
  }

  /** A fresh holder key. */
  static HolderKeyPair newKey() {
    return HolderKeyPair.generate(RANDOM);
  }
}
