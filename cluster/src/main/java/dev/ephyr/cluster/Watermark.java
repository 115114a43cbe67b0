package dev.ephyr.cluster;

/**
 * A replicated watermark: the lowest valid epoch of a task, and when the task stops being valid anyway
 * (after which the entry may be forgotten).
 */
record Watermark(long floor, long expiresAtMillis) {

  /** The larger floor wins; on equal floors the later expiry, so a merge never shortens retention. */
  static Watermark max(Watermark a, Watermark b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a.floor != b.floor) {
      return a.floor > b.floor ? a : b;
    }
    return a.expiresAtMillis >= b.expiresAtMillis ? a : b;
  }
}
