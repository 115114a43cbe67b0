package dev.ephyr.bench.cluster;

import dev.ephyr.cluster.BindResult;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster part of a bind, two ways, on three local members that each keep a state store: the bind step and
 * then a put of the record at its new epoch ({@code two-step}, each acknowledged by every member's disk) versus
 * the bind step writing the epoch itself ({@code one-step}); both then raise the watermark (acknowledged). Runs
 * the two in interleaved rounds on the same members and reports, per round and as medians, the process CPU
 * (all three members) and the wall time per bind. No HTTP, no DPoP, no token minting: only what the cluster does.
 *
 * <p>{@code java -cp benchmarks.jar dev.ephyr.bench.cluster.BindPathRatio [binds per round [rounds]]}.
 */
public final class BindPathRatio {
  private static final int IN_FLIGHT = 8;
  private static final String HOLDER = "holder-jkt-bench-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  private BindPathRatio() {}

  /** Runs the rounds and prints one line per round and way, then the medians and their ratio. */
  public static void main(String[] args) throws Exception {
    int binds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.setProperty("org.slf4j.simpleLogger.log.com.hazelcast", "warn");
    Path dir = Files.createTempDirectory("bind-path-");
    ThreeLocalMembers cluster = new ThreeLocalMembers((i, b) -> b.stateDir(dir.resolve("n" + i)));
    try {
      ClusterNode a = cluster.nodes.get(0);
      run(a, "warm-up", binds, false);
      run(a, "warm-up", binds, true);
      List<double[]> two = new ArrayList<>();
      List<double[]> one = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        // Alternate which way goes first, so neither always meets the machine in the same state.
        boolean oneFirst = r % 2 == 1;
        (oneFirst ? one : two).add(run(a, "round " + (r + 1), binds, oneFirst));
        (oneFirst ? two : one).add(run(a, "round " + (r + 1), binds, !oneFirst));
      }
      double twoCpu = median(two, 0);
      double oneCpu = median(one, 0);
      System.out.printf(Locale.ROOT, "median two-step: %.0f µs CPU, %.0f µs wall per bind%n", twoCpu, median(two, 1));
      System.out.printf(Locale.ROOT, "median one-step: %.0f µs CPU, %.0f µs wall per bind%n", oneCpu, median(one, 1));
      System.out.printf(Locale.ROOT, "one-step / two-step: CPU x%.2f, wall x%.2f%n", oneCpu / twoCpu,
          median(one, 1) / median(two, 1));
    } finally {
      cluster.close();
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Creates {@code binds} unbound tasks (not measured), then binds each; returns {CPU µs, wall µs} per bind. */
  private static double[] run(ClusterNode a, String label, int binds, boolean oneStep) throws Exception {
    Instant expires = Instant.now().plusSeconds(3600);
    List<TaskRecord> tasks = new ArrayList<>(binds);
    List<CompletableFuture<Void>> created = new ArrayList<>();
    for (int i = 0; i < binds; i++) {
      String id = UUID.randomUUID().toString().replace("-", "").substring(0, 26).toUpperCase(Locale.ROOT);
      TaskRecord r = new TaskRecord(id, id, null, "bench", 0, 0, Instant.now(), expires,
          Instant.now().plusSeconds(600), null, "{}");
      tasks.add(r);
      created.add(a.tasks().create(r).toCompletableFuture());
    }
    CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    Thread.sleep(500); // let the other members' stores take the creates before the window opens

    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    Semaphore lanes = new Semaphore(IN_FLIGHT);
    AtomicLong failed = new AtomicLong();
    List<CompletableFuture<?>> all = new ArrayList<>(binds);
    for (TaskRecord t : tasks) {
      lanes.acquire();
      CompletableFuture<?> f = bind(a, t, oneStep).toCompletableFuture().whenComplete((v, e) -> {
        if (e != null) {
          failed.incrementAndGet();
        }
        lanes.release();
      });
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(300, TimeUnit.SECONDS);
    double wall = (System.nanoTime() - wall0) / 1e3 / binds * IN_FLIGHT;
    double cpu = (os.getProcessCpuTime() - cpu0) / 1e3 / binds;
    System.out.printf(Locale.ROOT, "%-8s %-8s %6d binds  %7.0f µs CPU per bind  %7.0f µs wall per bind  %d failed%n",
        label, oneStep ? "one-step" : "two-step", binds, cpu, wall, failed.get());
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " binds failed");
    }
    return new double[] {cpu, wall};
  }

  private static CompletionStage<RaiseResult> bind(ClusterNode a, TaskRecord t, boolean oneStep) {
    long floor = a.watermarks().watermark(t.taskId()) + 1;
    if (oneStep) {
      return a.tasks().bindOnce(t.taskId(), HOLDER, floor)
          .thenCompose(r -> a.watermarks().raise(t.taskId(), ((BindResult.Bound) r).record().epoch(), t.expiresAt()));
    }
    return a.tasks().bindOnce(t.taskId(), HOLDER).thenCompose(r -> {
      TaskRecord bound = ((BindResult.Bound) r).record();
      TaskRecord at = new TaskRecord(bound.taskId(), bound.rootId(), bound.parentId(), bound.agent(), bound.depth(),
          floor, bound.createdAt(), bound.expiresAt(), bound.bindBy(), bound.holderJkt(), bound.envelope());
      return a.tasks().put(at).thenCompose(v -> a.watermarks().raise(t.taskId(), floor, t.expiresAt()));
    });
  }

  private static double median(List<double[]> xs, int i) {
    double[] v = xs.stream().mapToDouble(x -> x[i]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
