package dev.ephyr.broker.admin;

import dev.ephyr.broker.Addresses;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /admin/audit/live}: every node's audit records as server-sent events, as they are written. The
 * admin verticle authorises (and audits) each subscription. Bounded: a few streams per node, each living at
 * most an hour (browsers reconnect by themselves), and a client that reads too slowly loses events rather
 * than growing the node's memory.
 */
final class LiveAudit {
  static final int MAX_STREAMS = 32;
  private static final long HEARTBEAT_MS = 15_000;
  private static final long MAX_LIFETIME_MS = 3_600_000;

  private final Vertx vertx;
  private final Duration timeout;
  private final AtomicInteger open = new AtomicInteger();

  LiveAudit(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  /** Authorises, then streams until the client goes away; the future completes when the stream is over. */
  Future<Reply> open(RoutingContext ctx, Exchange ex, String credential) {
    JsonObject msg = new JsonObject().put("request_id", ex.requestId()).put("remote", ex.remote())
        .put("args", new JsonObject());
    if (credential != null) {
      msg.put("credential", credential);
    }
    DeliveryOptions opts = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeout.toMillis());
    return vertx.eventBus().<JsonObject>request(Addresses.ADMIN_AUDIT_LIVE, msg, opts).compose(m -> {
      JsonObject body = m.body();
      Reply.Audit none = Reply.Audit.allow("admin"); // the admin verticle recorded the subscription
      if (!Boolean.TRUE.equals(body.getValue("ok"))) {
        int status = body.getValue("status") instanceof Number n ? n.intValue() : 500;
        return Future.succeededFuture(Reply.json(status, new JsonObject().put("error", body.getString("error"))
            .put("message", body.getString("message", "")), none));
      }
      if (open.incrementAndGet() > MAX_STREAMS) {
        open.decrementAndGet();
        return Future.succeededFuture(Reply.error(503, "too_many_streams", "this node already serves "
            + MAX_STREAMS + " live audit streams; retry later or use another node", null).withAudit(none));
      }
      return stream(ctx.response(), none);
    }, e -> Future.succeededFuture(Reply.error(503, "admin_unavailable",
        "the admin API did not answer in time; retry", e.getClass().getSimpleName())));
  }

  private Future<Reply> stream(HttpServerResponse res, Reply.Audit audit) {
    Promise<Reply> done = Promise.promise();
    res.setStatusCode(200).setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    res.write(": connected\n\n");
    MessageConsumer<Object> records = vertx.eventBus().consumer(Addresses.AUDIT_LIVE, m -> {
      if (m.body() instanceof JsonObject batch) {
        for (Object r : batch.getJsonArray("records", new io.vertx.core.json.JsonArray())) {
          if (!res.writeQueueFull() && r instanceof JsonObject record) {
            res.write("data: " + record.encode() + "\n\n");
          }
        }
      }
    });
    long heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> {
      if (!res.writeQueueFull()) {
        res.write(": ping\n\n");
      }
    });
    long lifetime = vertx.setTimer(MAX_LIFETIME_MS, id -> res.end());
    AtomicBoolean over = new AtomicBoolean();
    Runnable cleanup = () -> {
      if (over.compareAndSet(false, true)) {
        records.unregister();
        vertx.cancelTimer(heartbeat);
        vertx.cancelTimer(lifetime);
        open.decrementAndGet();
        // The response is already written; the front skips writing this reply.
        done.complete(Reply.empty(200, audit));
      }
    };
    res.closeHandler(v -> cleanup.run());
    res.endHandler(v -> cleanup.run());
    return done.future();
  }
}
