package dev.ephyr.broker.audit;

import dev.ephyr.broker.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events as structured log lines (logger {@code ephyr.audit}, one JSON object per line).
 * Deployed as a worker: log output may block, event loops must not.
 */
public final class AuditVerticle extends VerticleBase {
  private static final Logger AUDIT = LoggerFactory.getLogger("ephyr.audit");
  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(Addresses.AUDIT_RECORD, m -> AUDIT.info("{}", m.body().encode()));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
