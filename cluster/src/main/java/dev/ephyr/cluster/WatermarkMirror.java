package dev.ephyr.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's in-memory copy of the watermark map, read on the verification hot path. It only ever
 * rises: every source (listener, acknowledged raise, full load) goes through {@link #raise}.
 */
final class WatermarkMirror {

  /** Key under which the mirror sits in the Hazelcast user context, for {@link ApplyToMirror}. */
  static final String USER_CONTEXT_KEY = "ephyr.watermark-mirror";

  private final ConcurrentHashMap<String, Watermark> entries = new ConcurrentHashMap<>();

  /** Lowest valid epoch of the task, 0 when unknown. Allocation-free on the hot path. */
  long floor(String taskId) {
    Watermark w = entries.get(taskId);
    return w == null ? 0L : w.floor();
  }

  void raise(String taskId, Watermark w) {
    if (w != null) {
      entries.merge(taskId, w, Watermark::max);
    }
  }

  /**
   * Forgets entries of tasks that expired before {@code cutoffMillis}: their tokens fail the expiry
   * check anyway, so the watermark no longer matters.
   */
  int prune(long cutoffMillis) {
    int before = entries.size();
    entries.values().removeIf(w -> w.expiresAtMillis() < cutoffMillis);
    return before - entries.size();
  }

  int size() {
    return entries.size();
  }
}
