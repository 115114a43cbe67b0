package dev.ephyr.broker.audit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the events on their way to the writer (sent but not yet on disk). When the writer falls behind —
 * typically because the disk fails — new events are refused here, counted, and reported on the log at most
 * every few seconds, instead of growing the heap until the node dies or dropping them without a word.
 */
public final class AuditBacklog {
  private static final Logger LOG = LoggerFactory.getLogger("ephyr.audit");
  private static final long REPORT_EVERY_NANOS = 5_000_000_000L;

  private final long capacity;
  private final AtomicLong pending = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong lastReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);

  /** A backlog of at most {@code capacity} events. */
  public AuditBacklog(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** Takes a slot for one event; false (and the drop is counted and reported) when full. */
  boolean tryAcquire() {
    if (pending.incrementAndGet() <= capacity) {
      return true;
    }
    pending.decrementAndGet();
    dropped.increment();
    long now = System.nanoTime();
    long last = lastReport.get();
    if (now - last >= REPORT_EVERY_NANOS && lastReport.compareAndSet(last, now)) {
      LOG.error("AUDIT RECORDS DROPPED: the audit writer is {} events behind (capacity {}); {} dropped so far. "
          + "Check the audit directory's disk.", pending.get(), capacity, dropped.sum());
    }
    return false;
  }

  /** Frees {@code n} slots (events written, or given up). */
  void release(int n) {
    pending.addAndGet(-n);
  }

  /** Events sent and not yet written. */
  public long pending() {
    return pending.get();
  }

  /** Events refused because the backlog was full. */
  public long dropped() {
    return dropped.sum();
  }

  /** The bound. */
  public long capacity() {
    return capacity;
  }
}
