package dev.ephyr.broker.admin;

import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * How the HTTP fronts (admin routes, dashboard sign-in, live audit) ask this node's admin verticle: one
 * message shape ({@link AdminCall}) and one mapping of its answer to HTTP. The verticle audits every call,
 * so replies built here carry no audit record of their own.
 */
public final class AdminBus {
  /** The audit facts of replies built here: none of their own (the admin verticle records the call). */
  static final Reply.Audit NO_AUDIT = Reply.Audit.allow("admin");

  private final Vertx vertx;
  private final Duration timeout;

  /** Asks {@code vertx}'s local admin verticle, waiting at most {@code timeout}. */
  public AdminBus(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  /** What the admin verticle answered. */
  public sealed interface Answer {
    /** Done; {@code result} is the operation's answer. */
    record Done(JsonObject result) implements Answer {}

    /** Refused, failed or unanswered, already as the HTTP reply to send. */
    record Refused(Reply reply) implements Answer {}
  }

  /** Sends {@code args} for the request {@code ex} with {@code credential} (may be null); never fails. */
  public Future<Answer> call(String address, Exchange ex, String credential, JsonObject args) {
    JsonObject msg = new JsonObject().put("request_id", ex.requestId()).put("remote", ex.remote()).put("args", args);
    if (credential != null) {
      msg.put("credential", credential);
    }
    DeliveryOptions opts = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeout.toMillis());
    return vertx.eventBus().<Object>request(address, msg, opts).map(m -> {
      JsonObject body = m.body() instanceof JsonObject o ? o : new JsonObject();
      if (Boolean.TRUE.equals(body.getValue("ok"))) {
        return (Answer) new Answer.Done(body.getJsonObject("result", new JsonObject()));
      }
      int status = body.getValue("status") instanceof Number n ? n.intValue() : 500;
      Reply r = Reply.json(status, new JsonObject().put("error", body.getString("error", "internal_error"))
          .put("message", body.getString("message", "")), NO_AUDIT);
      return new Answer.Refused(status == 401 ? r.withHeader("WWW-Authenticate", "Bearer realm=\"ephyr-admin\"") : r);
    }).recover(e -> Future.succeededFuture(new Answer.Refused(Reply.error(503, "admin_unavailable",
        "the admin API did not answer in time; retry", e.getClass().getSimpleName()))));
  }
}
