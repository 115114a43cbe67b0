package dev.ephyr.broker.http;

import dev.ephyr.broker.audit.AuditEvent;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HTTP front of a node (one instance per event loop, sharing the port): answers {@code /healthz},
 * {@code /readyz} and {@code /metrics} itself, mounts every capability's {@link Routes} (MCP, the REST mirror,
 * SSH, the proxy, the admin API, the dashboard) in order, and writes their replies. Holds no state beyond its server.
 */
public final class FrontVerticle extends VerticleBase {

  /**
   * Everything the front needs, shared by all instances (all of it thread-safe).
   *
   * @param nodeId this node's id
   * @param host interface to bind
   * @param tlsCert PEM certificate chain, if TLS
   * @param tlsKey PEM key, if TLS
   * @param bodyLimit largest request body
   * @param maxHeaderSize largest header block
   * @param idleTimeoutSeconds idle connection timeout
   * @param readiness {@code null} when ready, else a JSON description of why not
   * @param metrics the registry
   * @param audit the audit sink (for requests refused before any pipeline, e.g. oversized bodies)
   * @param requestIds request id counter
   * @param routes every capability's routes, mounted in this order
   */
  public record Front(String nodeId, String host, Optional<Path> tlsCert, Optional<Path> tlsKey, long bodyLimit,
      int maxHeaderSize, int idleTimeoutSeconds,
      Supplier<JsonObject> readiness, Metrics metrics, AuditSink audit, AtomicLong requestIds, List<Routes> routes) {
    /** Copies the route list. */
    public Front {
      routes = List.copyOf(routes);
    }
  }

  private final Front front;
  private final int port;
  private final Consumer<Integer> boundPort;
  private HttpServer server;

  /** A front listening on {@code port}; {@code boundPort} is told the actual port once listening. */
  public FrontVerticle(Front front, int port, Consumer<Integer> boundPort) {
    this.front = front;
    this.port = port;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(front.host()).setPort(port)
        .setMaxHeaderSize(front.maxHeaderSize())
        .setMaxInitialLineLength(8192)
        .setMaxChunkSize(16 * 1024)
        .setIdleTimeout(front.idleTimeoutSeconds())
        .setCompressionSupported(false)
        .setDecompressionSupported(false);
    if (front.tlsCert().isPresent()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(front.tlsCert().get().toString()).setKeyPath(front.tlsKey().get().toString()));
    }
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> write(ctx, Reply.json(200,
        new JsonObject().put("status", "ok").put("node", front.nodeId()), Reply.Audit.allow("healthz"))));
    router.get("/readyz").handler(ctx -> {
      JsonObject why = front.readiness().get();
      write(ctx, why == null
          ? Reply.json(200, new JsonObject().put("status", "ready").put("node", front.nodeId()), Reply.Audit.allow("readyz"))
          : Reply.json(503, why.put("node", front.nodeId()), Reply.Audit.deny("not_ready", null)));
    });
    router.get("/metrics").handler(ctx -> ctx.response().setStatusCode(200)
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(front.metrics().render()));
    Routes.Responder responder = new Routes.Responder() {
      @Override
      public void respond(RoutingContext ctx, Function<Exchange, Future<Reply>> handler) {
        FrontVerticle.this.respond(ctx, handler);
      }

      @Override
      public void write(RoutingContext ctx, Reply reply) {
        FrontVerticle.write(ctx, reply);
      }

      @Override
      public BodyHandler bodyHandler() {
        return FrontVerticle.this.bodyHandler();
      }
    };
    for (Routes r : front.routes()) {
      r.mount(router, responder);
    }
    router.route().last().handler(ctx -> write(ctx, Reply.error(404, "not_found", "no such endpoint", null)));
    router.route().failureHandler(this::failure);

    server = vertx.createHttpServer(options).requestHandler(router);
    return server.listen().onSuccess(s -> boundPort.accept(s.actualPort()));
  }

  private BodyHandler bodyHandler() {
    return BodyHandler.create(false).setBodyLimit(front.bodyLimit()).setHandleFileUploads(false)
        .setDeleteUploadedFilesOnEnd(true);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    Reply reply;
    // A body refused before the pipeline still answers MCP clients in JSON-RPC (path, not type: no import of mcp).
    boolean mcp = ctx.request().path().equals("/mcp");
    if (status == 413) {
      String message = "request body exceeds the limit of " + front.bodyLimit() + " bytes";
      reply = mcp
          ? Reply.json(413, new JsonObject().put("jsonrpc", "2.0").putNull("id").put("error",
              new JsonObject().put("code", -32600).put("message", message)), Reply.Audit.deny("body_too_large", message))
          : Reply.error(413, "body_too_large", message, null);
    } else if (status >= 400 && status < 500) {
      reply = Reply.error(status, "bad_request", "the request could not be read", String.valueOf(ctx.failure()));
    } else {
      reply = Reply.error(500, "internal_error", "internal error", String.valueOf(ctx.failure()));
    }
    front.audit().record(new AuditEvent(java.time.Instant.now(), front.nodeId(), nextId(),
        ctx.request().method() + " " + ctx.request().path(), reply.audit().outcome(), reply.audit().code(),
        reply.audit().detail(), null, null, null, remote(ctx), reply.status(), 0));
    front.metrics().counter(MeterCatalogue.REQUESTS).get(mcp ? "mcp" : "other", reply.audit().outcome(),
        reply.audit().code()).increment();
    if (!ctx.response().ended() && !ctx.response().closed()) {
      write(ctx, reply.withHeader("Connection", "close"));
    }
  }

  private Exchange exchange(RoutingContext ctx) {
    return Exchange.of(nextId(), ctx.request().method().name(), ctx.request().path(), ctx.request().headers(),
        ctx.body() == null ? null : ctx.body().buffer(), vertx.getOrCreateContext(), remote(ctx));
  }

  private String nextId() {
    return front.nodeId() + "-" + front.requestIds().incrementAndGet();
  }

  private static String remote(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().hostAddress();
  }

  private void respond(RoutingContext ctx, Function<Exchange, Future<Reply>> handler) {
    Exchange ex = exchange(ctx);
    // The request id ties the client's view to the audit line of this request.
    handler.apply(ex).onComplete(ar -> write(ctx, (ar.succeeded() ? ar.result() : AuditStep.failure(ar.cause()))
        .withHeader("X-Request-Id", ex.requestId())));
  }

  private static void write(RoutingContext ctx, Reply reply) {
    HttpServerResponse res = ctx.response();
    // A route that streamed its answer (MCP progress) wrote the response itself; its reply is for audit only.
    if (res.ended() || res.closed() || res.headWritten()) {
      return;
    }
    res.setStatusCode(reply.status());
    for (Map.Entry<String, String> h : reply.headers().entrySet()) {
      res.putHeader(h.getKey(), h.getValue());
    }
    res.putHeader("Cache-Control", "no-store");
    if (reply.body() == null) {
      res.end();
    } else {
      res.end(reply.body());
    }
  }
}
