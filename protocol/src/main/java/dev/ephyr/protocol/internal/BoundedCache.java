package dev.ephyr.protocol.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A small thread-safe cache bounded in size and in age, for values that are cheap to recompute (the
 * protocol's derived keys, decoded holder keys and verified chains). Holding a value never changes what
 * is decided; losing one only costs the recomputation.
 *
 * <p>Eviction rule: an entry older than the age bound is never returned and is dropped when read. When a
 * put finds the cache full, expired entries are swept out first; if that frees less than a quarter of the
 * capacity, the whole cache is emptied. Each full sweep therefore pays for at least a quarter of the
 * capacity in inserts, so puts cost O(1) amortized even under a flood of fresh keys, and a flood gains the
 * flooder nothing but cold lookups. Concurrent puts may each pass the size check before inserting, so the
 * bound can be exceeded by at most the number of concurrent writers. Reads are one map lookup and one
 * clock read.
 */
public final class BoundedCache<K, V> {
  private final int capacity;
  private final long maxAgeNanos;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<K, Entry<V>> map;

  private record Entry<V>(V value, long bornNanos) {}

  private BoundedCache(int capacity, long maxAgeNanos, LongSupplier nanoClock) {
    this.capacity = capacity;
    this.maxAgeNanos = maxAgeNanos;
    this.nanoClock = nanoClock;
    this.map = new ConcurrentHashMap<>(Math.max(16, Math.min(capacity, 1 << 16)));
  }

  /**
   * A cache of at most {@code capacity} entries (0 turns it off: nothing is kept), each kept at most
   * {@code maxAgeMillis}, timed by {@link System#nanoTime()}.
   */
  public static <K, V> BoundedCache<K, V> create(int capacity, long maxAgeMillis) {
    return create(capacity, maxAgeMillis, System::nanoTime);
  }

  /** As {@link #create(int, long)}, timed by {@code nanoClock} (monotonic nanoseconds; for tests). */
  public static <K, V> BoundedCache<K, V> create(int capacity, long maxAgeMillis, LongSupplier nanoClock) {
    if (capacity < 0 || capacity > 1_000_000) {
      throw new IllegalArgumentException("cache capacity must be between 0 and 1,000,000");
    }
    if (maxAgeMillis < 1) {
      throw new IllegalArgumentException("cache age bound must be positive");
    }
    return new BoundedCache<>(capacity, TimeUnit.MILLISECONDS.toNanos(maxAgeMillis),
        Objects.requireNonNull(nanoClock, "nanoClock"));
  }

  /** The value for {@code key}, or {@code null} when absent or older than the age bound. */
  public V get(K key) {
    Entry<V> e = map.get(key);
    if (e == null) {
      return null;
    }
    if (nanoClock.getAsLong() - e.bornNanos >= maxAgeNanos) {
      map.remove(key, e);
      return null;
    }
    return e.value;
  }

  /** Remembers {@code value} for {@code key}, making room by the eviction rule above when full. */
  public void put(K key, V value) {
    Objects.requireNonNull(value, "value");
    if (capacity == 0) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (map.size() >= capacity) {
      makeRoom(now);
    }
    map.put(key, new Entry<>(value, now));
  }

  private void makeRoom(long now) {
    int freed = 0;
    for (Iterator<Map.Entry<K, Entry<V>>> it = map.entrySet().iterator(); it.hasNext(); ) {
      if (now - it.next().getValue().bornNanos >= maxAgeNanos) {
        it.remove();
        freed++;
      }
    }
    if (freed < Math.max(1, capacity / 4)) {
      map.clear();
    }
  }

  /** Current number of entries, expired ones included until they are dropped; for tests of the bound. */
  public int size() {
    return map.size();
  }

  /** The size bound. */
  public int capacity() {
    return capacity;
  }
}
