package dev.ephyr.broker.http;

import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Function;

/**
 * HTTP routes a capability adds to the front (the SSH CA and KRL, the proxy, the admin API). Mounted once
 * per front instance after the built-in routes and before the final 404; no body handler runs for them
 * unless they add {@link Responder#bodyHandler()} themselves (the proxy streams bodies instead).
 */
public interface Routes {

  /** Adds this capability's routes to {@code router}. */
  void mount(Router router, Responder responder);

  /** How a route answers in the front's way: request id, audit of failures, {@code Cache-Control}. */
  interface Responder {

    /** Runs {@code handler} for the request and writes its reply (a failure becomes a 5xx reply). */
    void respond(RoutingContext ctx, Function<Exchange, Future<Reply>> handler);

    /** Writes {@code reply} unless the response is already done. */
    void write(RoutingContext ctx, Reply reply);

    /** A body handler with the node's body limit, for routes that read small bodies whole. */
    BodyHandler bodyHandler();
  }
}
