package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Deadline;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.CallControl.Delivery;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How {@code tools/call} runs: each call is tracked so that its client can cancel it
 * ({@code notifications/cancelled}, only its own) and a client that goes away cancels it too. A call whose
 * client accepts {@code text/event-stream} and sends a {@code progressToken} is answered as an SSE stream
 * with progress heartbeats and may run as long as the tool allows; any other call is answered inline and
 * bounded by the request timeout, with a JSON-RPC error (and the work cancelled) when it takes longer.
 */
final class ToolCalls {
  /** Time for the last message to reach the client after a streamed call's own bound. */
  static final Duration STREAM_MARGIN = Duration.ofSeconds(5);

  /**
   * One answered call: the JSON-RPC response and what audit records.
   *
   * @param response the response message
   * @param audit the audit facts
   */
  record Result(JsonObject response, Reply.Audit audit) {}

  private final CallLimits limits;
  private final InFlight inFlight = new InFlight();

  ToolCalls(CallLimits limits) {
    this.limits = limits;
  }

  /**
   * The {@code progressToken} of {@code message} when it is a {@code tools/call} this client lets us stream
   * (it accepts {@code text/event-stream} and we hold its response), else null.
   */
  Object streamToken(Object message, Exchange exchange) {
    if (McpAttributes.request(exchange) == null || exchange.context() == null
        || !(message instanceof JsonObject m) || !"tools/call".equals(m.getValue("method"))
        || !JsonRpc.validId(m.getValue("id")) || !(m.getValue("params") instanceof JsonObject p)
        || !(p.getValue("_meta") instanceof JsonObject meta)) {
      return null;
    }
    Object token = meta.getValue("progressToken");
    boolean usable = token instanceof String s ? !s.isEmpty() && s.length() <= 256 : JsonRpc.validId(token);
    String accept = exchange.header("Accept");
    return usable && accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream") ? token : null;
  }

  /** Runs a call answered inline: tracked, cancelled when the client leaves, bounded by {@link CallLimits#inline}. */
  Future<Result> inline(Exchange exchange, Caller caller, Object id, Function<CallControl, Future<Result>> work) {
    CallControl control = CallControl.of(Delivery.INLINE);
    Runnable untrack = track(exchange, caller, id, control);
    HttpServerRequest request = McpAttributes.request(exchange);
    if (request != null) {
      request.response().closeHandler(v -> control.cancel("client_disconnected"));
    }
    Future<Result> running = run(work, control);
    Context ctx = exchange.context();
    if (ctx == null) {
      return running.onComplete(ar -> done(control, untrack));
    }
    Promise<Result> answer = Promise.promise();
    long timer = ctx.owner().setTimer(limits.inline().toMillis(), t -> {
      control.cancel("timeout");
      answer.tryComplete(timedOut(id, limits.inline(), "an answer without progress may take at most "
          + limits.inline().toSeconds() + " s on this node; the call was cancelled. For longer calls send a "
          + "progressToken in params._meta and accept text/event-stream"));
    });
    running.onComplete(ar -> {
      ctx.owner().cancelTimer(timer);
      done(control, untrack);
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        answer.tryFail(ar.cause());
      }
    });
    return answer.future();
  }

  /**
   * Runs a call answered as an SSE stream with progress for {@code token}; the reply carries only the audit
   * facts (the response was written as the stream).
   */
  Future<Reply> stream(Exchange exchange, Caller caller, Object id, Object token, String what,
      Function<CallControl, Future<Result>> work) {
    Deadline deadline = exchange.get(Attributes.DEADLINE);
    if (deadline != null) {
      deadline.extendTo(limits.streamed().plus(STREAM_MARGIN));
    }
    Context ctx = exchange.context();
    Promise<Reply> reply = Promise.promise();
    ctx.runOnContext(v -> new Streamed(exchange, caller, id, token, what, work, reply).start());
    return reply.future();
  }

  /** The state of one streamed call, confined to the request's event loop. */
  private final class Streamed {
    private final Exchange exchange;
    private final Caller caller;
    private final Object id;
    private final Function<CallControl, Future<Result>> work;
    private final Promise<Reply> reply;
    private final CallControl control = CallControl.of(Delivery.STREAMED);
    private final CallStream stream;
    private final Progress progress;
    private Runnable untrack;
    private long backstop = -1;

    Streamed(Exchange exchange, Caller caller, Object id, Object token, String what,
        Function<CallControl, Future<Result>> work, Promise<Reply> reply) {
      this.exchange = exchange;
      this.caller = caller;
      this.id = id;
      this.work = work;
      this.reply = reply;
      io.vertx.core.Vertx vertx = exchange.context().owner();
      this.stream = new CallStream(McpAttributes.request(exchange), vertx, limits.progressInterval(),
          control::cancel);
      this.progress = new Progress(token, stream, vertx, limits.progressInterval(), what);
    }

    void start() {
      untrack = track(exchange, caller, id, control);
      stream.open(exchange.requestId());
      progress.start();
      backstop = exchange.context().owner().setTimer(limits.streamed().toMillis(), t -> {
        control.cancel("timeout");
        finish(timedOut(id, limits.streamed(), "the call took longer than the longest any tool may run on this "
            + "node (" + limits.streamed().toSeconds() + " s) and was cancelled"));
      });
      Context ctx = exchange.context();
      run(work, control).onComplete(ar -> ctx.runOnContext(v -> finish(ar.succeeded() ? ar.result()
          : new Result(JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, "internal error"),
              new Reply.Audit("error", "internal_error", String.valueOf(ar.cause()), null, null, null, null)))));
    }

    private void finish(Result r) {
      if (reply.future().isComplete()) {
        return;
      }
      exchange.context().owner().cancelTimer(backstop);
      progress.stop();
      String cancelled = control.cancelledFor();
      done(control, untrack);
      Reply.Audit audit = r.audit();
      if (stream.open()) {
        stream.finish(r.response());
      }
      if (cancelled != null && !"timeout".equals(cancelled)) {
        // Cancelled by the client (or because it went away or stopped reading): that is the outcome.
        audit = new Reply.Audit("error", "cancelled", cancelled, null, null, audit.action(), audit.resource());
      }
      reply.complete(new Reply(200, Map.of("Content-Type", "text/event-stream"), null, audit));
    }
  }

  /**
   * Handles {@code notifications/cancelled} from {@code caller}: cancels the named request if it is the
   * caller's own and runs on this node; returns what audit records (a cancel for another owner's request is
   * a denial).
   */
  Reply.Audit cancel(Exchange exchange, Caller caller, JsonObject params) {
    Object requestId = params.getValue("requestId");
    if (!JsonRpc.validId(requestId)) {
      return Reply.Audit.deny("invalid_params", "notifications/cancelled without a usable requestId")
          .action("notifications/cancelled");
    }
    Object reason = params.getValue("reason");
    String why = "cancelled_by_client" + (reason instanceof String s ? ": " + clip(s) : "");
    InFlight.Outcome o = inFlight.cancel(owner(exchange, caller), requestId, why);
    String action = "notifications/cancelled " + clip(String.valueOf(requestId));
    return switch (o) {
      case CANCELLED -> Reply.Audit.allow(action);
      case UNKNOWN -> new Reply.Audit("allow", "not_running", "no such request runs on this node", null, null, action,
          null);
      case NOT_YOURS -> Reply.Audit.deny("not_your_request", "request " + clip(String.valueOf(requestId))
          + " belongs to another caller or session; not cancelled").action(action);
    };
  }

  private Runnable track(Exchange exchange, Caller caller, Object id, CallControl control) {
    Runnable untrack = inFlight.track(owner(exchange, caller), id, control);
    return untrack == null ? () -> { } : untrack;
  }

  private static String owner(Exchange exchange, Caller caller) {
    return InFlight.owner(caller, exchange.get(McpAttributes.SESSION));
  }

  private static void done(CallControl control, Runnable untrack) {
    control.finish();
    untrack.run();
  }

  private static Future<Result> run(Function<CallControl, Future<Result>> work, CallControl control) {
    try {
      return work.apply(control);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static Result timedOut(Object id, Duration bound, String message) {
    return new Result(JsonRpc.error(id, JsonRpc.INTERNAL_ERROR, message),
        new Reply.Audit("error", "timeout", "no answer within " + bound.toSeconds() + " s", null, null, null, null));
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
