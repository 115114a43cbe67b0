package dev.ephyr.broker.proxy;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Pipeline;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code /v1/proxy/<service>/<path>} for agents that do not speak MCP: the same authentication as the REST
 * mirror (API key, or task token with DPoP), the same checks as {@code http_request}, and both bodies
 * streamed with back-pressure, so memory per request stays a few chunks whatever the size. A request that
 * carries a DPoP proof is the exception: the proof signs the body's hash ({@code bh}), so that body is read
 * first, up to the node's body limit.
 */
public final class ProxyRoute implements Routes {
  /** Largest request body streamed to a service. */
  public static final long MAX_STREAMED_BODY = 64L << 20;
  static final String PREFIX = "/v1/proxy/";
  private static final java.util.regex.Pattern SERVICE_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Exchange.Key<RoutingContext> ROUTING = Exchange.Key.of("proxyRouting", RoutingContext.class);
  private static final Exchange.Key<Target> TARGET = Exchange.Key.of("proxyTarget", Target.class);

  private final Pipeline pipeline;

  /** The route over its pipeline, already in order (see the node's {@code Pipelines}). */
  public ProxyRoute(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * The route's own steps, for the node's {@code Pipelines}.
   *
   * @param parse splits the path into service and target; reads a DPoP-bound request's body first
   * @param forward checks the request against the policy and streams it to the service and back
   */
  public record Steps(Step parse, Step forward) {}

  /** Its steps: bodies read first up to {@code bufferedBodyLimit} (DPoP only), forwarded through {@code upstream}. */
  public static Steps steps(long bufferedBodyLimit, Upstream upstream) {
    return new Steps(new ParseStep(bufferedBodyLimit), new ForwardStep(upstream));
  }

  @Override
  public void mount(Router router, Responder responder) {
    router.route("/v1/proxy/*").handler(ctx -> {
      // Hold the body until the request is authenticated and checked; nothing has read it yet.
      ctx.request().pause();
      responder.respond(ctx, ex -> pipeline.run(ex.with(ROUTING, ctx)));
    });
  }

  /** Service and target from the path. */
  private record Target(String service, RequestTarget target) {}

  /** Splits the path, and reads the body first when a DPoP proof will need its hash. */
  private record ParseStep(long bufferedBodyLimit) implements Step {

    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      RoutingContext ctx = exchange.get(ROUTING);
      HttpServerRequest req = ctx.request();
      String raw = req.path();
      String rest = raw.length() > PREFIX.length() ? raw.substring(PREFIX.length()) : "";
      int slash = rest.indexOf('/');
      String service = slash < 0 ? rest : rest.substring(0, slash);
      if (!SERVICE_NAME.matcher(service).matches()) {
        return done(req, Reply.error(404, "unknown_service", "name a service: /v1/proxy/<service>/<path>", null));
      }
      String path = slash < 0 ? "/" : rest.substring(slash);
      String query = req.query();
      RequestTarget.Parsed t = RequestTarget.parse(query == null ? path : path + "?" + query);
      if (t instanceof RequestTarget.Invalid bad) {
        return done(req, Reply.error(400, "bad_path", "path refused: " + bad.message(), null)
            .withAudit(Reply.Audit.deny("bad_path", bad.message()).resource("service:" + service)));
      }
      Exchange next = exchange.with(TARGET, new Target(service, ((RequestTarget.Valid) t).target()))
          .with(Attributes.PURPOSE, Purpose.USE)
          .with(Attributes.BIND_PENDING, Authenticator.BindPendingUse.REFUSE);
      if (exchange.header("DPoP") == null || !hasBody(req)) {
        return chain.proceed(next);
      }
      return readWhole(ctx, bufferedBodyLimit).compose(body -> {
        if (body == null) {
          return Future.succeededFuture(Reply.error(413, "body_too_large", "a request with a DPoP proof is "
              + "limited to " + bufferedBodyLimit + " bytes (the proof signs the body, so it is read first); "
              + "larger bodies need an unbound token or an API key", null).withHeader("Connection", "close"));
        }
        Exchange withBody = Exchange.of(exchange.requestId(), exchange.method(), exchange.path(), req.headers(), body,
            exchange.context(), exchange.remote());
        return chain.proceed(withBody.with(ROUTING, ctx).with(TARGET, next.get(TARGET))
            .with(Attributes.PURPOSE, Purpose.USE)
            .with(Attributes.BIND_PENDING, Authenticator.BindPendingUse.REFUSE));
      });
    }
  }

  private static boolean hasBody(HttpServerRequest req) {
    String cl = req.getHeader("Content-Length");
    return !req.isEnded() && (req.getHeader("Transfer-Encoding") != null || (cl != null && !cl.trim().equals("0")));
  }

  /** The whole body, or {@code null} when it exceeds {@code limit}. */
  private static Future<Buffer> readWhole(RoutingContext ctx, long limit) {
    HttpServerRequest req = ctx.request();
    Promise<Buffer> p = Promise.promise();
    Buffer body = Buffer.buffer();
    continueIfExpected(ctx);
    req.handler(chunk -> {
      if (body.length() + (long) chunk.length() > limit) {
        req.pause();
        p.tryComplete(null);
      } else {
        body.appendBuffer(chunk);
      }
    });
    req.endHandler(v -> p.tryComplete(body));
    req.exceptionHandler(p::tryFail);
    req.resume();
    return p.future();
  }

  private static void continueIfExpected(RoutingContext ctx) {
    String expect = ctx.request().getHeader("Expect");
    if (expect != null && expect.equalsIgnoreCase("100-continue") && !ctx.response().headWritten()) {
      ctx.response().writeContinue();
    }
  }

  /** A reply before the body was read: the connection closes rather than carry an unread body. */
  private static Future<Reply> done(HttpServerRequest req, Reply reply) {
    return Future.succeededFuture(req.isEnded() ? reply : reply.withHeader("Connection", "close"));
  }

  /** Checks access, opens the upstream request and relays both bodies. */
  private record ForwardStep(Upstream upstream) implements Step {

    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      RoutingContext ctx = exchange.get(ROUTING);
      Target target = exchange.get(TARGET);
      Caller caller = exchange.get(Attributes.CALLER);
      HttpServerRequest req = ctx.request();
      String action = req.method().name() + " " + PREFIX + target.service();
      String resource = "service:" + target.service();
      Upstream.Checking checking = upstream.check(caller, target.service(), req.method().name(), target.target(),
          req.headers());
      if (checking instanceof Upstream.Rejected rejected) {
        return refused(req, target.service(), rejected.refusal(), action, resource);
      }
      Upstream.Checked checked = (Upstream.Checked) checking;
      String length = req.getHeader("Content-Length");
      boolean streamed = exchange.body() == null && hasBody(req);
      if (length != null && streamed) {
        long n;
        try {
          n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
          return refused(req, target.service(), Refusal.of("bad_request", 400, "Content-Length is not a number"),
              action, resource);
        }
        if (n > MAX_STREAMED_BODY) {
          return refused(req, target.service(), Refusal.of("body_too_large", 413, "request bodies through the "
              + "proxy are limited to " + MAX_STREAMED_BODY + " bytes"), action, resource);
        }
      }
      return upstream.open(checked, exchange.context(), checked.service().timeout())
          .compose(call -> relay(ctx, exchange, call, streamed, length, action, resource))
          .recover(e -> refused(req, target.service(), e instanceof RefusedException r ? r.refusal()
              : Refusal.of("upstream_error", 502, "the exchange with service '" + target.service() + "' failed",
                  e.getClass().getSimpleName()), action, resource));
    }

    private Future<Reply> refused(HttpServerRequest req, String service, Refusal r, String action, String resource) {
      upstream.count("route", service, r.code());
      Reply reply = Reply.json(r.status(), new JsonObject().put("error", r.code()).put("message", r.message()),
          new Reply.Audit(r.isDenial() ? "deny" : "error", r.code(), r.auditDetail(), null, null, action, resource));
      return done(req, reply);
    }

    private Future<Reply> relay(RoutingContext ctx, Exchange exchange, Upstream.Call call, boolean streamed,
        String length, String action, String resource) {
      HttpServerRequest in = ctx.request();
      HttpClientRequest out = call.request;
      Promise<Reply> outcome = Promise.promise();
      String service = call.service.name();
      Future<HttpClientResponse> response = out.response();
      if (!streamed) {
        Buffer body = exchange.body();
        if (body != null && body.length() > 0) {
          out.end(body);
        } else {
          out.end();
        }
      } else {
        if (length != null) {
          out.putHeader("Content-Length", length.trim());
        } else {
          out.setChunked(true);
        }
        long[] sent = {0};
        in.handler(chunk -> {
          sent[0] += chunk.length();
          if (sent[0] > MAX_STREAMED_BODY) {
            in.pause();
            call.abort();
            finish(outcome, ctx, call, service, Refusal.of("body_too_large", 413, "request bodies through the "
                + "proxy are limited to " + MAX_STREAMED_BODY + " bytes; the upstream request was cut"), action,
                resource);
            return;
          }
          out.write(chunk);
          if (out.writeQueueFull()) {
            in.pause();
            out.drainHandler(v -> in.resume());
          }
        });
        in.endHandler(v -> out.end());
        in.exceptionHandler(e -> {
          call.abort();
          finish(outcome, ctx, call, service, Refusal.of("client_error", 400, "the request body could not be read",
              e.getClass().getSimpleName()), action, resource);
        });
        continueIfExpected(ctx);
        in.resume();
      }
      ctx.response().closeHandler(v -> {
        if (!outcome.future().isComplete()) {
          call.abort();
          // After a deliberate cut the reason is already known; otherwise the client went away.
          finish(outcome, ctx, call, service, call.cut != null ? call.cut : Refusal.of("client_closed",
              499, "the client went away", "client closed the connection"), action, resource);
        }
      });
      response.onFailure(e -> {
        call.finish();
        finish(outcome, ctx, call, service, call.failure(e), action, resource);
      });
      response.onSuccess(res -> stream(ctx, call, res, outcome, action, resource, exchange.requestId()));
      return outcome.future();
    }

    private void stream(RoutingContext ctx, Upstream.Call call, HttpClientResponse res, Promise<Reply> outcome,
        String action, String resource, String requestId) {
      upstream.observe(call.service, call.started);
      String service = call.service.name();
      long cap = call.service.maxResponseBytes();
      String declared = res.getHeader("Content-Length");
      long declaredLength = -1;
      try {
        declaredLength = declared == null ? -1 : Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        declaredLength = -1;
      }
      if (declaredLength > cap) {
        res.exceptionHandler(e -> { }); // the reset below is ours
        call.abort();
        finish(outcome, ctx, call, service, Refusal.of("response_too_large", 502, "the response of service '" + service
            + "' is " + declaredLength + " bytes, over its limit of " + cap), action, resource);
        return;
      }
      Refusal unreadable = call.unreadable(res);
      if (unreadable != null) {
        res.exceptionHandler(e -> { }); // the reset below is ours
        call.abort();
        finish(outcome, ctx, call, service, unreadable, action, resource);
        return;
      }
      HttpServerResponse sr = ctx.response();
      if (sr.closed()) {
        call.abort();
        return;
      }
      Redactor red = call.redactor;
      sr.setStatusCode(res.statusCode());
      MultiMap headers = HeaderRules.inbound(res.headers());
      for (Map.Entry<String, String> h : headers) {
        if (red.scrub(h.getKey()).equals(h.getKey())) { // a header named after the secret is dropped
          sr.headers().add(h.getKey(), red.scrub(h.getValue()));
        }
      }
      String location = res.getHeader("Location");
      if (location != null) {
        String same = Redirects.sameOriginTarget(red.scrub(location), call.service.origin(),
            call.request.path());
        if (same != null) {
          sr.putHeader("Location", PREFIX + service + same);
        } else {
          sr.putHeader("X-Ephyr-Redirect", "location-removed; the service redirected to another origin");
        }
      }
      sr.putHeader("X-Ephyr-Service", service);
      sr.putHeader("X-Request-Id", requestId);
      boolean noBody = ctx.request().method().name().equals("HEAD") || res.statusCode() == 204
          || res.statusCode() == 304 || res.statusCode() < 200;
      if (noBody) {
        if (declared != null && !red.active()) {
          sr.putHeader("Content-Length", declared.trim());
        }
      } else if (declaredLength >= 0 && !red.active()) {
        sr.putHeader("Content-Length", String.valueOf(declaredLength));
      } else {
        sr.setChunked(true);
      }
      long[] relayed = {0};
      res.handler(chunk -> {
        if (outcome.future().isComplete() || call.cut != null) {
          return;
        }
        relayed[0] += chunk.length();
        if (relayed[0] > cap) {
          // Headers are out: cutting the connection is the only way to make the truncation visible. The
          // outcome completes when the connection is closed, so nothing tries to write a reply after it.
          cut(ctx, call, Refusal.of("response_too_large", 502, "the response of service '"
              + service + "' exceeded its limit of " + cap + " bytes; the connection was cut"));
          return;
        }
        sr.write(red.next(chunk));
        if (sr.writeQueueFull()) {
          res.pause();
          sr.drainHandler(v -> res.resume());
        }
      });
      res.exceptionHandler(e -> {
        if (!outcome.future().isComplete() && call.cut == null) {
          cut(ctx, call, call.failure(e));
        }
      });
      res.endHandler(v -> {
        call.finish();
        if (outcome.future().isComplete() || call.cut != null) {
          return;
        }
        Buffer tail = red.finish();
        (tail.length() > 0 ? sr.end(tail) : sr.end()).onComplete(ar -> {
          upstream.count("route", service, "ok");
          outcome.tryComplete(new Reply(res.statusCode(), Map.of(), null, new Reply.Audit("allow", "ok",
              "upstream status " + res.statusCode() + ", " + relayed[0] + " bytes"
                  + (red.redactions() > 0 ? ", credential redacted " + red.redactions() + "x" : ""),
              null, null, action, resource)));
        });
      });
    }

    /** Ends a response whose head is out by cutting the connection; the close handler reports {@code why}. */
    private void cut(RoutingContext ctx, Upstream.Call call, Refusal why) {
      call.cut = why;
      ctx.response().reset();
      call.abort();
    }

    private void finish(Promise<Reply> outcome, RoutingContext ctx, Upstream.Call call, String service, Refusal r,
        String action, String resource) {
      if (outcome.future().isComplete()) {
        return;
      }
      if (ctx.response().headWritten() && !ctx.response().closed() && call.cut == null) {
        cut(ctx, call, r); // too late for an error reply: the close handler reports it
        return;
      }
      upstream.count("route", service, r.code());
      Reply reply = Reply.json(r.status(), new JsonObject().put("error", r.code()).put("message", r.message()),
          new Reply.Audit(r.isDenial() ? "deny" : "error", r.code(), r.auditDetail(), null, null, action, resource));
      if (!ctx.request().isEnded()) {
        reply = reply.withHeader("Connection", "close");
      }
      outcome.tryComplete(reply);
    }
  }
}
