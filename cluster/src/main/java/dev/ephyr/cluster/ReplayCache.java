package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ephyr.protocol.verify.ReplayCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Cluster-wide single-use check for proof ids ({@code jti}): the first {@link #firstUse} of a key on any
 * node wins, later ones on every node see it as used until it expires. Fails (exceptionally) rather than
 * answer when the cluster cannot vouch for the answer: below quorum, or slower than the replay timeout.
 */
public final class ReplayCache implements ReplayCheck {

  static final String MAP_NAME = "ephyr.replay";
  static final int MAX_KEY_LENGTH = 512;

  private final IMap<String, Long> map;
  private final NodeHealth health;
  private final Clock clock;
  private final Duration timeout;

  ReplayCache(HazelcastInstance hz, ClusterConfig config, NodeHealth health) {
    this.map = hz.getMap(MAP_NAME);
    this.health = health;
    this.clock = config.clock();
    this.timeout = config.replayTimeout();
  }

  @Override
  public CompletionStage<Boolean> firstUse(String key, Instant keepUntil) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(keepUntil, "keepUntil");
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("replay key must be 1-" + MAX_KEY_LENGTH + " characters");
    }
    if (!health.available()) {
      // A minority side could record the key and never tell the majority: refuse instead.
      return CompletableFuture.failedFuture(new ClusterUnavailableException("replay check: node not ready"));
    }
    long until = keepUntil.toEpochMilli();
    long ttl = Math.max(1_000L, until - clock.millis());
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    try {
      map.submitToKey(key, new RecordFirstUse(until, ttl)).whenComplete((first, e) -> {
        if (e != null) {
          answer.completeExceptionally(WatermarkStore.unavailable("replay check", e));
        } else {
          answer.complete(first);
        }
      });
    } catch (RuntimeException e) {
      answer.completeExceptionally(WatermarkStore.unavailable("replay check", e));
    }
    // Bounded: a verifier waiting on a stuck partition would hold the request forever otherwise.
    return answer.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
