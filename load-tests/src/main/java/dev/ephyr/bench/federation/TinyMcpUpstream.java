package dev.ephyr.bench.federation;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * A minimal Streamable HTTP MCP server (JSON answers, one tool {@code echo}) on loopback, in its own Vert.x,
 * so the benchmark's direct and federated calls reach the same upstream.
 */
final class TinyMcpUpstream implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  TinyMcpUpstream() throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject m = body.toJsonObject();
      Object id = m.getValue("id");
      if (id == null) {
        req.response().setStatusCode(202).end();
        return;
      }
      JsonObject result;
      switch (m.getString("method")) {
        case "initialize":
          result = new JsonObject().put("protocolVersion", "2025-06-18")
              .put("capabilities", new JsonObject().put("tools", new JsonObject()))
              .put("serverInfo", new JsonObject().put("name", "tiny").put("version", "1"));
          req.response().putHeader("Mcp-Session-Id", "s1");
          break;
        case "tools/list":
          result = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "echo")
              .put("description", "echo").put("inputSchema", new JsonObject().put("type", "object"))));
          break;
        default:
          String text = m.getJsonObject("params").getJsonObject("arguments").getString("text");
          result = new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text")
              .put("text", text)));
      }
      req.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result).encode());
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/mcp";
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
