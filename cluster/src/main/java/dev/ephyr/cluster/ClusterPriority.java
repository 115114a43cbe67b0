package dev.ephyr.cluster;

import java.util.function.Supplier;

/**
 * Puts the threads a revoke waits on (Hazelcast's, the acknowledgement executor's, the state store's writer and
 * the callback pool) above the event loops that carry request traffic, so an acknowledged revoke does not queue
 * for a core behind requests.
 *
 * <p>Java priorities reach the OS only when the JVM runs with {@code -XX:ThreadPriorityPolicy=1} (opt-in, through
 * {@code EPHYR_JAVA_OPTS}: it also raises the JIT and GC threads); Linux then maps {@link Thread#MAX_PRIORITY} to
 * nice -5 for a process that may raise priorities (root or {@code CAP_SYS_NICE}). Without either, this changes
 * nothing and costs nothing.
 */
final class ClusterPriority {
  private ClusterPriority() {}

  /** Raises {@code t} to {@link Thread#MAX_PRIORITY} (a no-op if it already is). */
  static void raise(Thread t) {
    if (t.getPriority() != Thread.MAX_PRIORITY) {
      t.setPriority(Thread.MAX_PRIORITY);
    }
  }

  /**
   * Runs {@code start} with the calling thread raised: every thread created meanwhile (Hazelcast creates its
   * partition, I/O, response and executor threads while starting) inherits the priority, and so do the threads
   * those create later. The caller's own priority is restored.
   */
  static <T> T startRaised(Supplier<T> start) {
    Thread self = Thread.currentThread();
    int was = self.getPriority();
    raise(self);
    try {
      return start.get();
    } finally {
      self.setPriority(was);
    }
  }
}
