package dev.ephyr.bench.cluster;

import dev.ephyr.bench.HazelcastBench;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.cluster.RaiseResult;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Latency distributions (SampleTime: p50/p99) of the cluster round trips on three local members: an
 * acknowledged revoke (entry processor + apply on every member's mirror) and a replay-cache check.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClusterOpsBench extends HazelcastBench {

  private ThreeLocalMembers cluster;
  private ClusterNode issuer;
  private final AtomicLong sequence = new AtomicLong();
  private Instant expires;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cluster = new ThreeLocalMembers();
    issuer = cluster.nodes.get(0);
    expires = Instant.now().plusSeconds(3600);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cluster.close();
  }

  /** A fresh task each time, so every call really raises (and is acknowledged by all three members). */
  @Benchmark
  public RaiseResult acknowledgedRevoke() throws Exception {
    RaiseResult r = issuer.watermarks().revoke("01HZREVOKE" + sequence.incrementAndGet(), expires)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    if (!r.acknowledgedByAll()) {
      throw new IllegalStateException("not acknowledged by all: " + r);
    }
    return r;
  }

  /** A fresh proof id each time: the first-use path (an entry processor on the key's owner). */
  @Benchmark
  public Boolean replayFirstUse() throws Exception {
    return issuer.replay().firstUse("jkt:jti-" + sequence.incrementAndGet(), expires.minusSeconds(3540))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
