package dev.ephyr.broker;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written Streamable HTTP MCP server for the edges the SDK server does not show: paginated
 * {@code tools/list} with answers alternating JSON and event streams (CRLF, comments, notifications before
 * the response), unusable tool entries, a cursor that loops, oversize and malformed answers, an answer that
 * never comes, forgotten sessions, a session set-up held until released, and a redirect whose target must
 * never be contacted. Under {@code /echo} it is a careless remote that gives back the credential it received,
 * in every spelling {@link Leaks} knows, as JSON, as an event stream, and compressed although not asked to.
 */
final class EdgeMcpServer implements AutoCloseable {
  static final int PAGES = 5;
  static final int PER_PAGE = 3;

  final Vertx vertx = Vertx.vertx();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<String> apiKeys = new CopyOnWriteArrayList<>();
  final List<String> basicAuth = new CopyOnWriteArrayList<>();
  final List<String> queryKeys = new CopyOnWriteArrayList<>();
  final AtomicInteger redirectTargetHits = new AtomicInteger();
  final AtomicInteger loopbackNameHits = new AtomicInteger();
  final Set<String> sessions = ConcurrentHashMap.newKeySet();
  /** The latest session issued on each path. */
  final java.util.Map<String, String> sessionOfPath = new ConcurrentHashMap<>();
  /** While set, an {@code initialize} on {@code /held} is answered only once it completes. */
  final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>> holdInitialize =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** Counted down when an {@code initialize} on {@code /held} arrives while held. */
  volatile java.util.concurrent.CountDownLatch initializeHeld = new java.util.concurrent.CountDownLatch(1);
  private final AtomicInteger sessionIds = new AtomicInteger();
  final AtomicInteger tlsHits = new AtomicInteger();
  private final HttpServer server;
  private final HttpServer tls;
  private final SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");

  EdgeMcpServer() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // An https remote whose certificate nobody trusts: the broker must not talk to it.
    tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> {
          tlsHits.incrementAndGet();
          handle(req);
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String tlsUrl() {
    return "https://127.0.0.1:" + tls.actualPort() + "/mcp";
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/redirect":
        req.response().setStatusCode(307).putHeader("Location", url("/elsewhere")).end();
        return;
      case "/elsewhere":
        redirectTargetHits.incrementAndGet();
        req.response().setStatusCode(500).end();
        return;
      case "/named":
        loopbackNameHits.incrementAndGet();
        req.response().setStatusCode(500).end();
        return;
      default:
        break;
    }
    if (req.path().equals("/mcp")) {
      apiKeys.add(String.valueOf(req.getHeader("X-Api-Key")));
    } else if (req.path().equals("/basic")) {
      basicAuth.add(String.valueOf(req.getHeader("Authorization")));
    } else if (req.path().equals("/query")) {
      queryKeys.add(String.valueOf(req.getParam("key")));
    }
    req.body().onSuccess(body -> {
      JsonObject m = body.toJsonObject();
      String method = m.getString("method");
      Object id = m.getValue("id");
      if ("initialize".equals(method)) {
        String sid = "edge-" + sessionIds.incrementAndGet();
        sessions.add(sid);
        sessionOfPath.put(req.path(), sid);
        JsonObject answer = result(id, new JsonObject().put("protocolVersion", "2025-06-18")
            .put("capabilities", new JsonObject().put("tools", new JsonObject()))
            .put("serverInfo", new JsonObject().put("name", "edge").put("version", "1")));
        java.util.concurrent.CompletableFuture<Void> hold = holdInitialize.get();
        if (req.path().equals("/held") && hold != null) {
          initializeHeld.countDown();
          hold.thenRun(() -> vertx.runOnContext(v -> json(req, sid, answer)));
          return;
        }
        json(req, sid, answer);
        return;
      }
      String sid = req.getHeader("Mcp-Session-Id");
      if (sid == null || !sessions.contains(sid)) {
        req.response().setStatusCode(sid == null ? 400 : 404).end();
        return;
      }
      if (id == null) {
        req.response().setStatusCode(202).end();
        return;
      }
      if ("tools/list".equals(method)) {
        toolsList(req, id, m.getJsonObject("params", new JsonObject()).getString("cursor"));
      } else if ("tools/call".equals(method)) {
        toolsCall(req, id, m.getJsonObject("params"));
      } else {
        json(req, null, new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error",
            new JsonObject().put("code", -32601).put("message", "no " + method)));
      }
    });
  }

  /** Tool names of {@code /names}: plain, dotted, too long, and a pair whose listed names collide. */
  static final String LONG_TOOL = "very_long_tool_name_".repeat(4);
  static final String CLASH_DOTTED = "clash.one";
  /** Spelled exactly as the dotted one's listed name, so both would be listed under one name. */
  static final String CLASH_PLAIN = dev.ephyr.broker.federation.FederatedNames.listed("names", CLASH_DOTTED)
      .substring("names__".length());

  private void toolsList(HttpServerRequest req, Object id, String cursor) {
    if (req.path().equals("/names")) {
      json(req, null, result(id, new JsonObject().put("tools", new JsonArray().add(tool("list_repos"))
          .add(tool("delete_repo")).add(tool("get.file")).add(tool(LONG_TOOL)).add(tool(CLASH_DOTTED))
          .add(tool(CLASH_PLAIN)))));
      return;
    }
    if (req.path().equals("/echo")) {
      json(req, null, result(id, new JsonObject().put("tools", new JsonArray().add(tool("reflect"))
          .add(tool("reflect_sse")).add(tool("reflect_gzip")))));
      return;
    }
    if (req.path().equals("/loop")) {
      json(req, null, result(id, new JsonObject().put("tools", new JsonArray().add(tool("only")))
          .put("nextCursor", "same")));
      return;
    }
    int page = cursor == null ? 0 : Integer.parseInt(cursor.substring(1));
    JsonArray tools = new JsonArray();
    for (int i = 0; i < PER_PAGE; i++) {
      tools.add(tool("t" + (page * PER_PAGE + i)));
    }
    if (page == 0) {
      tools.add(tool("bad name"))
          .add(new JsonObject().put("name", "noschema"))
          .add(new JsonObject().put("name", "arrayschema").put("inputSchema", new JsonObject().put("type", "array")))
          .add(tool("t0"))
          .add(tool("big")).add(tool("bigsse")).add(tool("notjson")).add(tool("slow")).add(tool("errors"));
    }
    JsonObject r = new JsonObject().put("tools", tools);
    if (page + 1 < PAGES) {
      r.put("nextCursor", "p" + (page + 1));
    }
    if (page % 2 == 1) {
      sse(req, ": keep-alive\r\n\r\nevent: message\r\ndata: " + new JsonObject().put("jsonrpc", "2.0")
          .put("method", "notifications/progress").put("params", new JsonObject()).encode() + "\r\n\r\n"
          + "data: " + result(id, r).encode() + "\r\n\r\n");
    } else {
      json(req, null, result(id, r));
    }
  }

  private void toolsCall(HttpServerRequest req, Object id, JsonObject params) {
    String name = params.getString("name");
    calls.add(name);
    if (req.path().equals("/echo")) {
      reflect(req, id, name);
      return;
    }
    switch (name) {
      case "big":
        json(req, null, text(id, "x".repeat(200_000)));
        return;
      case "bigsse":
        req.response().putHeader("Content-Type", "text/event-stream").setChunked(true);
        req.response().write("data: " + "y".repeat(100_000));
        return; // never ends: the broker must stop at its cap
      case "notjson":
        sse(req, "data: {this is not json\n\n");
        return;
      case "slow":
        return; // never answers
      case "errors":
        json(req, null, new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error",
            new JsonObject().put("code", -32602).put("message", "bad arguments for errors")));
        return;
      default:
        if (name.equals("t1")) {
          // A multi-line data field split across chunks, after a notification.
          req.response().putHeader("Content-Type", "text/event-stream").setChunked(true);
          String resp = text(id, name + " ok").encode();
          int half = resp.indexOf(',') + 1; // between JSON tokens, where the joining newline is whitespace
          req.response().write("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n");
          req.response().write("data: " + resp.substring(0, half) + "\ndata: ");
          req.response().end(resp.substring(half) + "\n\n");
          return;
        }
        json(req, null, text(id, name + " ok"));
    }
  }

  private static void reflect(HttpServerRequest req, Object id, String name) {
    String secret = String.valueOf(req.getHeader("X-Api-Key"));
    StringBuilder text = new StringBuilder();
    JsonObject structured = new JsonObject();
    Leaks.spellings(secret).forEach((k, v) -> {
      text.append(k).append(": ").append(v).append('\n');
      structured.put(k, v);
    });
    // The remote's own JSON: a document inside a text field, escaped once more on the way.
    text.append("doc: ").append(new JsonObject().put("received", secret).encode().replace("/", "\\/"));
    JsonObject answer = result(id, new JsonObject().put("content", new JsonArray().add(new JsonObject()
        .put("type", "text").put("text", text.toString()))).put("structuredContent", structured));
    switch (name) {
      case "reflect_sse" -> sse(req, "data: " + answer.encode() + "\n\n");
      case "reflect_gzip" -> req.response().putHeader("Content-Type", "application/json")
          .putHeader("Content-Encoding", "gzip").end(Buffer.buffer(Leaks.gzip(answer.encode())));
      default -> json(req, null, answer);
    }
  }

  private static JsonObject tool(String name) {
    return new JsonObject().put("name", name).put("description", "edge tool " + name)
        .put("inputSchema", new JsonObject().put("type", "object"));
  }

  private static JsonObject result(Object id, JsonObject result) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  private static JsonObject text(Object id, String text) {
    return result(id, new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text")
        .put("text", text))));
  }

  private static void json(HttpServerRequest req, String sid, JsonObject body) {
    if (sid != null) {
      req.response().putHeader("Mcp-Session-Id", sid);
    }
    req.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void sse(HttpServerRequest req, String text) {
    req.response().putHeader("Content-Type", "text/event-stream").end(Buffer.buffer(text));
  }

  @Override
  public void close() throws Exception {
    cert.delete();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
