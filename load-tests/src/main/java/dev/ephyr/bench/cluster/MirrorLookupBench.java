package dev.ephyr.bench.cluster;

import dev.ephyr.bench.HazelcastBench;
import dev.ephyr.cluster.WatermarkStore;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Hot-path cost of a revocation check on a member of a three-member cluster: a mirror lookup (hit and
 * miss), the availability check, and a whole depth-3 lineage check as a verifier does it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MirrorLookupBench extends HazelcastBench {

  private ThreeLocalMembers cluster;
  private WatermarkStore store;
  private final String[] lineage = {"01HZROOT00000000000000000A", "01HZCHILD0000000000000000B", "01HZLEAF00000000000000000C"};

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cluster = new ThreeLocalMembers();
    Instant expires = Instant.now().plusSeconds(3600);
    for (int i = 0; i < 10_000; i++) {
      cluster.nodes.get(i % 3).watermarks().raise("01HZFILL" + i, 1 + i % 7, expires).toCompletableFuture().get();
    }
    cluster.nodes.get(0).watermarks().raise(lineage[0], 3, expires).toCompletableFuture().get();
    store = cluster.nodes.get(1).watermarks();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cluster.close();
  }

  @Benchmark
  public long lookupHit() {
    return store.watermark(lineage[0]);
  }

  @Benchmark
  public long lookupMiss() {
    return store.watermark(lineage[2]);
  }

  @Benchmark
  public boolean available() {
    return store.available();
  }

  /** What the verifier does per token: availability, then every lineage hop against its epoch. */
  @Benchmark
  public boolean lineageCheckDepth3() {
    if (!store.available()) {
      return false;
    }
    for (String task : lineage) {
      if (store.watermark(task) > 5) {
        return false;
      }
    }
    return true;
  }
}
