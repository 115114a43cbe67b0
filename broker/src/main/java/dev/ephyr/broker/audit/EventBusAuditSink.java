package dev.ephyr.broker.audit;

import dev.ephyr.broker.Addresses;
import io.vertx.core.Vertx;

/** Hands events to the local {@link AuditVerticle}, so the event loop never waits for log I/O. */
public final class EventBusAuditSink implements AuditSink {
  private final Vertx vertx;

  /** A sink sending to {@link Addresses#AUDIT_RECORD} on {@code vertx}'s local bus. */
  public EventBusAuditSink(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public void record(AuditEvent event) {
    vertx.eventBus().send(Addresses.AUDIT_RECORD, event.toJson());
  }
}
