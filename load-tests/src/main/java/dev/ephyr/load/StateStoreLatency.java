package dev.ephyr.load;

import dev.ephyr.cluster.StateStore;
import dev.ephyr.cluster.TaskRecord;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Acknowledged-write latency of the node's state store alone (no cluster, no HTTP): one writer waiting for each
 * watermark raise, then 16 writers at once creating task records. Run it against two builds alternately to
 * compare store designs on the same disk in the same window. Each line also gives the process's CPU time per
 * measured write (all threads, kernel time included; JIT and GC too, alike for both builds; the file system's
 * own kernel threads are not in it) and the writes per journal sync (how much the group commit batched).
 *
 * <p>Usage: {@code java -cp CLASSPATH dev.ephyr.load.StateStoreLatency EMPTY_DIR LABEL}; prints two lines.
 */
public final class StateStoreLatency {
  private static final int WARMUP = 500;
  private static final int SEQUENTIAL = 3_000;
  private static final int LANES = 16;
  private static final int PER_LANE = 400;

  private StateStoreLatency() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String label = args[1];
    if (Files.exists(dir)) {
      throw new IllegalArgumentException(dir + " exists; give a new directory");
    }
    long later = Instant.now().plusSeconds(3600).toEpochMilli();
    try (StateStore s = StateStore.open(dir, 1L << 32)) {
      long[] seq = new long[SEQUENTIAL];
      long cpu0 = 0;
      long syncs0 = 0;
      for (int i = 0; i < WARMUP + SEQUENTIAL; i++) {
        if (i == WARMUP) {
          cpu0 = cpu();
          syncs0 = s.stats().syncs();
        }
        long t0 = System.nanoTime();
        s.raiseWatermark("task-" + i, 2, later).join();
        if (i >= WARMUP) {
          seq[i - WARMUP] = System.nanoTime() - t0;
        }
      }
      print(label, "sequential raise", seq, 0, cpu() - cpu0, s.stats().syncs() - syncs0);
      long[] conc = new long[LANES * PER_LANE];
      List<Thread> lanes = new ArrayList<>();
      long cpu1 = cpu();
      long syncs1 = s.stats().syncs();
      long start = System.nanoTime();
      for (int l = 0; l < LANES; l++) {
        int lane = l;
        Thread t = new Thread(() -> {
          for (int i = 0; i < PER_LANE; i++) {
            String id = "lane-" + lane + "-" + i;
            long t0 = System.nanoTime();
            CompletableFuture<Void> f = s.mergeTask(new TaskRecord(id, id, null, "alice", 0, 0, Instant.now(),
                Instant.now().plusSeconds(600), null, null, "{\"scope\":\"bench\"}"));
            f.join();
            conc[lane * PER_LANE + i] = System.nanoTime() - t0;
          }
        });
        t.start();
        lanes.add(t);
      }
      for (Thread t : lanes) {
        t.join();
      }
      print(label, "16-lane task merge", conc, System.nanoTime() - start, cpu() - cpu1, s.stats().syncs() - syncs1);
    }
  }

  /** The process's CPU time so far, in nanoseconds. */
  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void print(String label, String what, long[] lat, long wallNanos, long cpuNanos, long syncs) {
    long[] c = lat.clone();
    Arrays.sort(c);
    String rate = wallNanos == 0 ? "" : String.format(" %.0f writes/s", c.length / (wallNanos / 1e9));
    System.out.printf("%-4s %-20s n=%d p50 %.3f p99 %.3f max %.3f ms cpu %.1f us/write %.1f writes/sync%s%n", label,
        what, c.length, c[c.length / 2] / 1e6, c[(int) (c.length * 0.99)] / 1e6, c[c.length - 1] / 1e6,
        cpuNanos / 1e3 / c.length, (double) c.length / Math.max(1, syncs), rate);
  }
}
