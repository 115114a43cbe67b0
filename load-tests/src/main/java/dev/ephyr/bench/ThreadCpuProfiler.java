package dev.ephyr.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the benchmark's worker threads spent per operation
 * ({@code cpu.time.norm}, ns/op). On a shared machine the wall-clock score grows with every other
 * process that competes for the cores; a thread's CPU time counts only the time it actually ran, so it
 * stays close to the quiet machine's figure. Use with {@code -prof dev.ephyr.bench.ThreadCpuProfiler}.
 */
public final class ThreadCpuProfiler implements InternalProfiler {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long[] workers = new long[0];
  private long cpuBefore;

  @Override
  public String getDescription() {
    return "CPU time of the benchmark's worker threads per operation";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    List<Long> ids = new ArrayList<>();
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().contains("jmh-worker")) {
        ids.add(t.getThreadId());
      }
    }
    workers = ids.stream().mapToLong(Long::longValue).toArray();
    cpuBefore = cpu();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
      IterationParams iterationParams, IterationResult result) {
    long spent = cpu() - cpuBefore;
    long ops = result.getMetadata().getAllOps();
    if (workers.length == 0 || ops == 0) {
      return List.of();
    }
    return List.of(new ScalarResult("cpu.time.norm", (double) spent / ops, "ns/op", AggregationPolicy.AVG));
  }

  private long cpu() {
    long sum = 0;
    for (long id : workers) {
      long t = threads.getThreadCpuTime(id);
      if (t > 0) {
        sum += t;
      }
    }
    return sum;
  }
}
