package dev.ephyr.broker.audit;

import dev.ephyr.broker.bus.Opened;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits the bus messages this node refused (event {@code bus.refused}, resource {@code bus:<address>}).
 * Bounded: a flood of forged messages records at most {@link #PER_SECOND} a second and counts the rest.
 */
public final class BusRefusals implements BiConsumer<String, Opened.Refused> {
  static final int PER_SECOND = 20;
  private static final Logger LOG = LoggerFactory.getLogger(BusRefusals.class);

  private final AuditSink audit;
  private final String nodeId;
  private final Clock clock;
  private final AtomicLong second = new AtomicLong();
  private final AtomicLong inSecond = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /** Records refusals of node {@code nodeId} to {@code audit}. */
  public BusRefusals(AuditSink audit, String nodeId, Clock clock) {
    this.audit = audit;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  @Override
  public void accept(String address, Opened.Refused r) {
    long now = clock.millis() / 1000;
    if (second.getAndSet(now) != now) {
      inSecond.set(0);
      long d = dropped.getAndSet(0);
      if (d > 0) {
        LOG.warn("node {}: {} more refused bus messages were not audited (rate bound)", nodeId, d);
      }
    }
    if (inSecond.incrementAndGet() > PER_SECOND) {
      dropped.incrementAndGet();
      return;
    }
    String where = address.startsWith("reply:") ? "reply" : address;
    audit.record(AuditEvent.builder(clock.instant(), nodeId, "bus.refused").resource("bus:" + where).status(401)
        .deny(r.code(), r.detail()).build());
  }

  /** Refusals not audited because of the rate bound, since the last audited second. */
  long dropped() {
    return dropped.get();
  }
}
