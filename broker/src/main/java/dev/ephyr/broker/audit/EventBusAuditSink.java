package dev.ephyr.broker.audit;

import dev.ephyr.broker.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.tracing.TracingPolicy;

/**
 * Hands events to the local {@link AuditVerticle}, so the event loop never waits for disk I/O; with a
 * {@link AuditBacklog}, events beyond its bound are refused and counted rather than queued without limit.
 */
public final class EventBusAuditSink implements AuditSink {
  /** Handing a record to the local writer is not a hop worth a span in every request's trace. */
  private static final DeliveryOptions UNTRACED = new DeliveryOptions().setTracingPolicy(TracingPolicy.IGNORE);

  private final Vertx vertx;
  private final AuditBacklog backlog;

  /** A sink sending to {@link Addresses#AUDIT_RECORD} on {@code vertx}'s local bus, unbounded. */
  public EventBusAuditSink(Vertx vertx) {
    this(vertx, null);
  }

  /** A sink bounded by {@code backlog} (which the writer releases). */
  public EventBusAuditSink(Vertx vertx, AuditBacklog backlog) {
    this.vertx = vertx;
    this.backlog = backlog;
  }

  @Override
  public void record(AuditEvent event) {
    if (backlog != null && !backlog.tryAcquire()) {
      return; // counted and reported loudly by the backlog
    }
    vertx.eventBus().send(Addresses.AUDIT_RECORD, event.toJson(), UNTRACED);
  }
}
