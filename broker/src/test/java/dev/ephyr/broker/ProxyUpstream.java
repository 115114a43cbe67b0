package dev.ephyr.broker;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP service on loopback for the proxy tests, on its own Vert.x: it records every request it gets
 * and answers by path — {@code /echo/**} reflects what it saw (headers and query included, so a leaked
 * credential would show), {@code /redirect-other} and {@code /redirect-same} redirect, {@code /big} streams
 * 16 KiB chunked, {@code /big-cl} declares 16 KiB, {@code /cookies} sets a cookie and a challenge,
 * {@code /slow} never answers. Under {@code /leak/} it behaves as a careless real service would with the
 * credential it received: compresses when asked (or always), honours {@code Range}, echoes the credential in
 * many spellings (split over small chunks, in headers too), in a chunked trailer, or under a transfer coding
 * other than chunked.
 */
final class ProxyUpstream implements AutoCloseable {
  /** One request as the service saw it. */
  record Seen(String method, String uri, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  final Vertx vertx = Vertx.vertx();
  final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
  final int port;
  private final HttpServer server;

  ProxyUpstream() {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (String n : req.headers().names()) {
        headers.put(n, req.headers().getAll(n));
      }
      seen.add(new Seen(req.method().name(), req.uri(), headers, body.toString()));
      String path = req.path();
      var res = req.response();
      if (path.startsWith("/leak/")) {
        Leaks.answer(req, body);
      } else if (path.startsWith("/echo/")) {
        JsonObject h = new JsonObject();
        headers.forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), String.join(", ", v)));
        res.putHeader("Content-Type", "application/json")
            .putHeader("X-Echo-Auth", String.valueOf(req.getHeader("Authorization")))
            .end(new JsonObject().put("method", req.method().name()).put("uri", req.uri()).put("headers", h)
                .put("body", body.toString()).encode());
      } else if (path.equals("/redirect-other")) {
        res.setStatusCode(302).putHeader("Location", "http://evil.example/steal").end();
      } else if (path.equals("/redirect-same")) {
        res.setStatusCode(302).putHeader("Location", "/echo/after?x=1").end();
      } else if (path.equals("/big")) {
        res.setChunked(true);
        for (int i = 0; i < 16; i++) {
          res.write(Buffer.buffer(new byte[1024]).setByte(0, (byte) 'x'));
        }
        res.end();
      } else if (path.equals("/big-cl")) {
        res.putHeader("Content-Length", String.valueOf(16 * 1024)).end(Buffer.buffer(new byte[16 * 1024]));
      } else if (path.equals("/slow")) {
        req.connection(); // never answers: the proxy's deadline must end it
      } else if (path.equals("/cookies")) {
        res.setStatusCode(401).putHeader("Set-Cookie", "session=abc123").putHeader("WWW-Authenticate", "Basic realm=x")
            .putHeader("X-Kept", "yes").end("no");
      } else {
        res.setStatusCode(404).end("not here");
      }
    }));
    try {
      port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    } catch (Exception e) {
      throw new IllegalStateException("upstream did not start", e);
    }
  }

  /** The last request seen, or null. */
  Seen last() {
    Seen s = null;
    for (Seen x : seen) {
      s = x;
    }
    return s;
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
