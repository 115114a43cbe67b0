package dev.ephyr.load;

import dev.ephyr.cluster.StateStore;
import dev.ephyr.cluster.TaskRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Before/after figures for durable cluster state, with real {@code ephyr node} processes of two builds side by
 * side in one run: acknowledged revoke latency on three idle nodes, {@code task_create} throughput (and the node's
 * CPU per create) on one node, and the time a node takes from start to ready with 100,000 live task records in its
 * state store.
 *
 * <p>Usage: {@code java -cp load-tests/target/benchmarks.jar dev.ephyr.load.DurabilityBench JAR_BEFORE JAR_AFTER}
 * (run from the repository root). Prints one JSON line per build and round. {@code -Dlanes=64} sets the create
 * phase's concurrency, {@code -Dcreates-only=true} skips the three-node revoke phase,
 * {@code -Drevokes-only=true} the one-node create and cold-start phases.
 */
public final class DurabilityBench {

  private static final int REVOKES = 300;
  private static final int WARMUP = 50;
  private static final Duration CREATE_PHASE = Duration.ofSeconds(20);
  /** Closed-loop warm-up before the create phase ({@code -Dcreate-warmup=SECONDS}); the JIT is busy for longer. */
  private static final Duration CREATE_WARMUP = Duration.ofSeconds(Integer.getInteger("create-warmup", 5));
  /** Requests in flight in the create phase ({@code -Dlanes=N}): durability adds a sync to each create's latency. */
  private static final int LANES = Integer.getInteger("lanes", 16);
  private static final int COLD_RECORDS = 100_000;

  private DurabilityBench() {}

  public static void main(String[] args) throws Exception {
    List<String> opens = LoadMain.jvmOpens();
    Path work = Path.of("target", "durability-bench").toAbsolutePath();
    Vertx vertx = Vertx.vertx();
    try {
      for (int round = 0; round < 2; round++) { // before, after, before, after: both see the same machine
        for (int j = 0; j < 2; j++) {
          Path jar = Path.of(args[j]);
          JsonObject out = new JsonObject().put("build", j == 0 ? "before" : "after").put("jar", jar.toString())
              .put("round", round + 1);
          if (!Boolean.getBoolean("creates-only")) {
            revokes(vertx, jar, opens, work, out);
          }
          if (!Boolean.getBoolean("revokes-only")) {
            out.put("lanes", LANES);
            creates(vertx, jar, opens, work, out);
          }
          System.out.println(out.encode());
        }
      }
    } finally {
      vertx.close().await();
    }
  }

  private static void revokes(Vertx vertx, Path jar, List<String> opens, Path work, JsonObject out) throws Exception {
    try (LocalCluster c = LocalCluster.start(3, jar, opens, work)) {
      BrokerClient client = new BrokerClient(vertx, 4);
      long[] nanos = new long[REVOKES];
      for (int i = -WARMUP; i < REVOKES; i++) {
        String node = c.urls().get(Math.floorMod(i, 3));
        JsonObject t = client.createTask(node, c.apiKey(), new JsonObject().put("ttl", 600)).await();
        long start = System.nanoTime();
        JsonObject r = client.revoke(c.urls().get(Math.floorMod(i + 1, 3)), c.apiKey(), t.getString("task_id")).await();
        long took = System.nanoTime() - start;
        if (!r.getBoolean("acknowledged_by_all", false)) {
          throw new IllegalStateException("revoke not acknowledged by all: " + r.encode());
        }
        if (i >= 0) {
          nanos[i] = took;
        }
      }
      Arrays.sort(nanos);
      out.put("revoke_p50_ms", nanos[REVOKES / 2] / 1e6).put("revoke_p99_ms", nanos[REVOKES * 99 / 100] / 1e6);
    }
  }

  private static void creates(Vertx vertx, Path jar, List<String> opens, Path work, JsonObject out) throws Exception {
    try (LocalCluster c = LocalCluster.start(1, jar, opens, work)) {
      BrokerClient client = new BrokerClient(vertx, LANES);
      String node = c.urls().get(0);
      run(client, node, c.apiKey(), CREATE_WARMUP);
      Duration cpuBefore = c.cpu(0);
      Map<String, Long> threadsBefore = ProcessThreads.ticks(c.pid(0));
      long done = run(client, node, c.apiKey(), CREATE_PHASE);
      // CPU per create beside throughput: what a create costs the node, whatever rate the shared cores let it reach.
      long cpuNanos = c.cpu(0).minus(cpuBefore).toNanos();
      out.put("task_create_per_s", done / (double) CREATE_PHASE.toSeconds())
          .put("node_cpu_us_per_create", Recorder.round(cpuNanos / 1e3 / Math.max(1, done)))
          .put("node_threads_us_per_create", ProcessThreads.perOperation(threadsBefore, ProcessThreads.ticks(c.pid(0)),
              done));

      // Cold start: kill -9, give the store 100,000 live records (a build without a store has none to load),
      // start again, time until /readyz answers 200.
      c.kill(0);
      Path state = c.dataDir(0).resolve("state");
      if (Files.isDirectory(state)) {
        try (StateStore s = StateStore.open(state, 1L << 32)) {
          List<TaskRecord> records = new ArrayList<>(COLD_RECORDS);
          Instant now = Instant.now();
          for (int i = 0; i < COLD_RECORDS; i++) {
            String id = String.format("01JCOLD%019d", i);
            records.add(new TaskRecord(id, id, null, "load", 0, 0, now, now.plusSeconds(3600), null, null,
                "{\"envelope\":{\"targets\":[\"-\"]}}"));
          }
          s.mergeTasks(records).get(120, TimeUnit.SECONDS);
          out.put("cold_records", s.stats().tasks());
        }
      } else {
        out.put("cold_records", 0);
      }
      long start = System.nanoTime();
      c.relaunch(jar, opens, 0);
      out.put("cold_start_ms", (System.nanoTime() - start) / 1e6);
    }
  }

  /** Closed loop: {@link #LANES} lanes create tasks back to back for {@code phase}; returns how many succeeded. */
  private static long run(BrokerClient client, String node, String apiKey, Duration phase) throws Exception {
    long end = System.nanoTime() + phase.toNanos();
    AtomicLong ok = new AtomicLong();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int l = 0; l < LANES; l++) {
      Promise<Void> done = Promise.promise();
      lane(client, node, apiKey, end, ok, done);
      lanes.add(done.future());
    }
    Future.all(lanes).await();
    return ok.get();
  }

  /**
   * One lane: the next create starts when the last one ends. Completes {@code done} at the end instead of
   * returning a chain of composed futures, whose completion would unwind one stack frame per create.
   */
  private static void lane(BrokerClient client, String node, String apiKey, long end, AtomicLong ok,
      Promise<Void> done) {
    if (System.nanoTime() >= end) {
      done.complete();
      return;
    }
    // Bounded: a request whose completion the HTTP client loses (seen once, in a connection-pool race) must not hang
    // the lane and with it the run.
    client.createTask(node, apiKey, new JsonObject().put("ttl", 600)).timeout(30, TimeUnit.SECONDS).onComplete(r -> {
      if (r.succeeded()) {
        ok.incrementAndGet();
      }
      lane(client, node, apiKey, end, ok, done);
    });
  }
}
