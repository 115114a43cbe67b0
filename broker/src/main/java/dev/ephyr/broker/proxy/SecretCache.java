package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.SecretRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secrets read recently, so the hot path need not read a file on every request: an entry is good for
 * {@link #TTL_NANOS} (a rotated secret file is picked up within that time, like the policy file). Keys come
 * from the policy only, and the cache is emptied if it ever grows past {@link #MAX_ENTRIES}. No
 * {@code toString}: it holds secrets.
 */
final class SecretCache {
  static final long TTL_NANOS = 2_000_000_000L;
  static final int MAX_ENTRIES = 256;

  private record Entry(String value, long readAt) {
    @Override
    public String toString() {
      return "Entry[redacted]";
    }
  }

  private final Map<SecretRef, Entry> entries = new ConcurrentHashMap<>();

  /** The secret if read less than the TTL ago, else {@code null}. */
  String fresh(SecretRef ref) {
    Entry e = entries.get(ref);
    return e != null && System.nanoTime() - e.readAt < TTL_NANOS ? e.value : null;
  }

  /** Remembers a secret just read. */
  void put(SecretRef ref, String value) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(ref, new Entry(value, System.nanoTime()));
  }

  @Override
  public String toString() {
    return "SecretCache[" + entries.size() + " entries, values redacted]";
  }
}
