package dev.ephyr.broker.admin;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.audit.LiveListeners;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /admin/audit/live}: every node's audit records as server-sent events, as they are written. The
 * admin verticle authorises (and audits) each subscription, and re-checks it every few seconds and whenever
 * this node's policy changes: a stream ends once its session is signed out (on any node) or its admin is no
 * longer in the policy. Bounded: a few streams per node, each living at most an hour (browsers reconnect by
 * themselves), and a client that reads too slowly loses events rather than growing the node's memory.
 */
final class LiveAudit {
  static final int MAX_STREAMS = 32;
  private static final long HEARTBEAT_MS = 15_000;
  private static final long MAX_LIFETIME_MS = 3_600_000;
  /** How often a stream's credential is checked again (and at once on a policy change). */
  static final long RECHECK_MS = 2_000;

  private final Vertx vertx;
  private final AdminBus bus;
  private final BusSeal seal;
  private final LiveListeners listeners;
  private final AtomicInteger open = new AtomicInteger();

  LiveAudit(Vertx vertx, AdminBus bus, BusSeal seal, LiveListeners listeners) {
    this.vertx = vertx;
    this.listeners = listeners;
    this.bus = bus;
    this.seal = seal;
  }

  /** Authorises, then streams until the client goes away; the future completes when the stream is over. */
  Future<Reply> open(RoutingContext ctx, Exchange ex, String credential) {
    return bus.call(Addresses.ADMIN_AUDIT_LIVE, ex, credential, new JsonObject()).compose(a -> {
      if (a instanceof AdminBus.Answer.Refused r) {
        return Future.succeededFuture(r.reply());
      }
      if (open.incrementAndGet() > MAX_STREAMS) {
        open.decrementAndGet();
        return Future.succeededFuture(Reply.error(503, "too_many_streams", "this node already serves "
            + MAX_STREAMS + " live audit streams; retry later or use another node", null).withAudit(AdminBus.NO_AUDIT));
      }
      return stream(ctx.response(), AdminBus.NO_AUDIT, ex, credential);
    });
  }

  private Future<Reply> stream(HttpServerResponse res, Reply.Audit audit, Exchange ex, String credential) {
    Promise<Reply> done = Promise.promise();
    res.setStatusCode(200).setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    res.write(": connected\n\n");
    Runnable closed = listeners.opened(); // writers on every node publish while a stream is open somewhere
    MessageConsumer<Object> records = vertx.eventBus().consumer(Addresses.AUDIT_LIVE, m -> {
      // Sealed by the writing node: records from anyone else (or a copy altered on the way) are dropped.
      if (seal.openBroadcast(Addresses.AUDIT_LIVE, m.body()) instanceof Opened.Ok ok) {
        JsonObject batch = ok.body();
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
    AtomicBoolean checking = new AtomicBoolean();
    Runnable recheck = () -> {
      if (over.get() || !checking.compareAndSet(false, true)) {
        return; // one check at a time; the next tick or policy change asks again
      }
      bus.call(Addresses.ADMIN_AUDIT_LIVE_CHECK, ex, credential, new JsonObject()).onComplete(a -> {
        checking.set(false);
        if (!over.get() && a.result() instanceof AdminBus.Answer.Refused r) {
          // Signed out, removed from the policy, or the answer could not be had: fail closed.
          if (!res.ended() && !res.closed()) {
            res.write("event: ended\ndata: " + r.reply().body().toString() + "\n\n");
            res.end();
          }
        }
      });
    };
    long rechecks = vertx.setPeriodic(RECHECK_MS, id -> recheck.run());
    MessageConsumer<Object> policyChanges = vertx.eventBus().localConsumer(Addresses.ADMIN_POLICY_CHANGED,
        m -> recheck.run());
    Runnable cleanup = () -> {
      if (over.compareAndSet(false, true)) {
        records.unregister();
        policyChanges.unregister();
        vertx.cancelTimer(heartbeat);
        vertx.cancelTimer(rechecks);
        vertx.cancelTimer(lifetime);
        open.decrementAndGet();
        closed.run();
        // The response is already written; the front skips writing this reply.
        done.complete(Reply.empty(200, audit));
      }
    };
    res.closeHandler(v -> cleanup.run());
    res.endHandler(v -> cleanup.run());
    return done.future();
  }
}
