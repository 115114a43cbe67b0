package dev.ephyr.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cold-verification ratio on a shared machine: runs the parts of {@link ColdVerifyBreakdown} in
 * small interleaved batches (HMAC only, the whole verification, caveats only, decoding, the parts back to
 * back), so every part
 * meets the same interference, and reports per part the median over all batches of the thread's CPU
 * time and of the wall time per operation, and the ratio whole / HMAC-only. JMH runs the parts one after
 * another, and on a loaded machine the load changes between them; here it cannot favour one part.
 *
 * <p>{@code java -cp benchmarks.jar dev.ephyr.bench.ColdVerifyRatio [seconds [warm-up seconds]]}.
 */
public final class ColdVerifyRatio {
  private static final int BATCH = 40;
  private static final String[] PARTS = {"hmacOnly", "verifyCold", "caveatsOnly", "decode", "inSequence"};

  private ColdVerifyRatio() {}

  /** Runs the measurement and prints one line per part. */
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    ColdVerifyBreakdown bench = new ColdVerifyBreakdown();
    bench.setup();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    List<List<long[]>> samples = new ArrayList<>();
    for (int p = 0; p < PARTS.length; p++) {
      samples.add(new ArrayList<>());
    }
    long sink = 0;
    long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
    long end = warmEnd + seconds * 1_000_000_000L;
    int round = 0;
    while (System.nanoTime() < end) {
      boolean measuring = System.nanoTime() >= warmEnd;
      for (int k = 0; k < PARTS.length; k++) {
        int p = (k + round) % PARTS.length; // rotate the order so no part always follows another
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
          sink += run(bench, p);
        }
        long wall = System.nanoTime() - wall0;
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        if (measuring) {
          samples.get(p).add(new long[] {cpu, wall});
        }
      }
      round++;
    }
    double hmacCpu = median(samples.get(0), 0);
    double hmacWall = median(samples.get(0), 1);
    System.out.printf(Locale.ROOT, "%-12s %8s %12s %12s %10s %10s%n", "part", "batches", "cpu ns/op", "wall ns/op",
        "cpu/hmac", "wall/hmac");
    for (int p = 0; p < PARTS.length; p++) {
      double cpu = median(samples.get(p), 0);
      double wall = median(samples.get(p), 1);
      System.out.printf(Locale.ROOT, "%-12s %8d %12.0f %12.0f %10.3f %10.3f%n", PARTS[p], samples.get(p).size(), cpu,
          wall, cpu / hmacCpu, wall / hmacWall);
    }
    System.out.println(sink == 42 ? "" : "(sink " + (sink & 1) + ")");
  }

  private static long run(ColdVerifyBreakdown b, int part) throws Exception {
    switch (part) {
      case 0:
        return b.hmacOnlyDepth5() ? 1 : 0;
      case 1:
        return b.verifyDepth5Cold().hashCode() & 1;
      case 2:
        return b.caveatsOnlyDepth5().expiresAt() & 1;
      case 3:
        return b.decodeDepth5().caveatCount();
      default:
        return b.partsInSequenceDepth5().expiresAt() & 1;
    }
  }

  /** Median per operation of field {@code f} (0 CPU, 1 wall) over all batches. */
  private static double median(List<long[]> batches, int f) {
    long[] v = batches.stream().mapToLong(s -> s[f]).toArray();
    Arrays.sort(v);
    return v.length == 0 ? Double.NaN : (double) v[v.length / 2] / BATCH;
  }
}
