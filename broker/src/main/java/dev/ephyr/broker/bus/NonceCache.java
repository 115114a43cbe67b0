package dev.ephyr.broker.bus;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nonces seen within the freshness window, so a captured message cannot be delivered twice. Bounded: when
 * full even after forgetting expired nonces, new messages are refused (fail closed) until room frees up.
 */
final class NonceCache {

  /** Outcome of {@link #firstUse}. */
  enum Use { FIRST, REPLAYED, FULL }

  private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
  private final int capacity;
  private final AtomicLong nextPrune = new AtomicLong();

  NonceCache(int capacity) {
    this.capacity = capacity;
  }

  /** Records {@code nonce} until {@code keepUntilMillis}; says whether it was new. */
  Use firstUse(String nonce, long keepUntilMillis, long nowMillis) {
    if (seen.size() >= capacity || nowMillis >= nextPrune.get()) {
      prune(nowMillis);
    }
    if (seen.size() >= capacity) {
      return Use.FULL;
    }
    return seen.putIfAbsent(nonce, keepUntilMillis) == null ? Use.FIRST : Use.REPLAYED;
  }

  private void prune(long nowMillis) {
    nextPrune.set(nowMillis + 1000);
    seen.values().removeIf(until -> until < nowMillis);
  }

  int size() {
    return seen.size();
  }
}
