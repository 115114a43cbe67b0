package dev.ephyr.bench.cluster;

import dev.ephyr.bench.HazelcastBench;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.cluster.TaskRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One task-record read on three local members, from the first member, over 64 records spread over the
 * partitions (about two thirds owned by another member): the display read {@code task_info} uses (near cache
 * when {@code cache} is on) and the owner read bind and reissue use (a read-only entry processor with the near
 * cache on, a plain get without it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TaskReadBench extends HazelcastBench {

  private static final int TASKS = 64;

  /** Near-cache size: the default, or 0 (off). */
  @Param({"10000", "0"})
  public int cache;

  private ThreeLocalMembers cluster;
  private ClusterNode reader;
  private final List<String> ids = new ArrayList<>();
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cluster = new ThreeLocalMembers(cache);
    reader = cluster.nodes.get(0);
    Instant now = Instant.now();
    for (int i = 0; i < TASKS; i++) {
      String id = String.format("01TASKREADBENCH%011d", i);
      cluster.nodes.get(i % 3).tasks().create(new TaskRecord(id, id, null, "bench", 0, 0, now,
          now.plusSeconds(3600), null, null, "{\"description\":\"a task of the read benchmark\"}"))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      ids.add(id);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cluster.close();
  }

  private String nextId() {
    next = (next + 1) % TASKS;
    return ids.get(next);
  }

  /** What {@code task_info} reads: from this member's near cache when it holds the record. */
  @Benchmark
  public Optional<TaskRecord> displayRead() throws Exception {
    return reader.tasks().getForDisplay(nextId()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** What bind and reissue read before they write: always the owner's current record. */
  @Benchmark
  public Optional<TaskRecord> ownerRead() throws Exception {
    return reader.tasks().get(nextId()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
