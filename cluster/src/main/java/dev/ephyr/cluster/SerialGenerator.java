package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Cluster-unique, strictly increasing serial numbers for SSH certificates.
 *
 * <p>Each serial is {@code max(counter, nowMillis * 1024) + 1}, computed atomically on the counter's
 * partition owner (with a backup and a keep-the-maximum merge policy), so serials strictly increase in
 * the order they are handed out, cluster-wide. The time floor makes them survive a restart of the whole
 * cluster (which loses the counter): a fresh cluster starts above every serial issued before, provided
 * (1) the clock at restart is later than at the last issue, and (2) the old cluster issued on average no
 * more than 1024 serials per millisecond (beyond that the counter runs ahead of the floor by the
 * excess). Serials are positive and fit in 63 bits until the year 2262. During a split brain, only a side
 * with quorum can allocate; with a minority quorum (see {@link ClusterConfig.Builder#allowMinorityQuorum})
 * both sides could hand out the same serial.
 */
public final class SerialGenerator {

  static final String MAP_NAME = "ephyr.serials";
  static final String KEY = "ssh-certificate";
  /** Serials per millisecond the time floor leaves room for. */
  static final long PER_MILLI = 1024;

  private final IMap<String, Long> map;
  private final NodeHealth health;
  private final Clock clock;

  SerialGenerator(HazelcastInstance hz, ClusterConfig config, NodeHealth health) {
    this.map = hz.getMap(MAP_NAME);
    this.health = health;
    this.clock = config.clock();
  }

  /** Cold start: the counter becomes at least {@code high} (a serial issued before the restart). Blocking. */
  void raiseTo(long high) {
    if (high > 0) {
      map.submitToKey(KEY, new AllocateSerial(high)).toCompletableFuture().join();
    }
  }

  /** The counter as stored in the cluster, 0 if none. Blocking. */
  long current() {
    Long v = map.get(KEY);
    return v == null ? 0 : v;
  }

  /** The next serial; fails with {@link ClusterUnavailableException} when this node cannot allocate safely. */
  public CompletionStage<Long> next() {
    if (!health.available()) {
      return CompletableFuture.failedFuture(new ClusterUnavailableException("serial: node not ready"));
    }
    long floor = Math.multiplyExact(clock.millis(), PER_MILLI);
    try {
      return map.submitToKey(KEY, new AllocateSerial(floor)).handle((serial, e) -> {
        if (e != null) {
          throw WatermarkStore.unavailable("serial allocation", e);
        }
        return serial;
      });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(WatermarkStore.unavailable("serial allocation", e));
    }
  }
}
