package dev.ephyr.load;

import dev.ephyr.testing.FreePorts;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The load test's baseline, in its own JVM: the least an HTTP JSON-RPC server on this stack does for a
 * {@code tools/call} — read the body, parse it as JSON, look at the method and tool name, encode a reply of
 * the broker's size — with no authentication, no verification and no cluster. What the broker does beyond
 * that is the distance between its figures and these, measured by the same driver in the same run.
 *
 * <p>Arguments: the reply size in bytes. Prints {@code @@ ready <port>} when listening; ends when stdin closes.
 */
public final class BaselineServer {
  private static final int MAX_REPLY = 1 << 20;

  private BaselineServer() {}

  public static void main(String[] args) throws Exception {
    int replyBytes = args.length == 1 ? Integer.parseInt(args[0]) : -1;
    if (replyBytes < 64 || replyBytes > MAX_REPLY) {
      System.err.println("usage: BaselineServer <reply bytes, 64-" + MAX_REPLY + ">");
      System.exit(2);
    }
    int port = FreePorts.next();
    Vertx vertx = Vertx.vertx();
    // One server per event loop sharing the port, as the broker's front does by default.
    vertx.deployVerticle(() -> new Front(port, replyBytes),
        new DeploymentOptions().setInstances(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE)).await(30, TimeUnit.SECONDS);
    System.out.println("@@ ready " + port);
    System.out.flush();
    try {
      while (System.in.read() >= 0) {
        // wait for the driver to close our stdin
      }
    } catch (IOException ignored) {
      // the driver is gone
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** One instance per event loop. */
  private static final class Front extends VerticleBase {
    private final int port;
    private final int replyBytes;
    private HttpServer server;

    Front(int port, int replyBytes) {
      this.port = port;
      this.replyBytes = replyBytes;
    }

    @Override
    public Future<?> start() {
      server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(req -> req.body().onSuccess(body -> {
            JsonObject rpc = body.toJsonObject();
            JsonObject params = rpc.getJsonObject("params");
            String tool = params == null ? rpc.getString("method") : params.getString("name");
            req.response().putHeader("Content-Type", "application/json").end(reply(rpc.getValue("id"), tool));
          }).onFailure(e -> req.response().setStatusCode(400).end()));
      return server.listen();
    }

    /** A {@code tools/call} result of exactly {@code replyBytes}, encoded per request as the broker does. */
    private Buffer reply(Object id, String tool) {
      JsonObject result = new JsonObject().put("content", new JsonArray()).put("isError", false);
      JsonObject rpc = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
      int bare = rpc.encode().length() + "{\"type\":\"text\",\"text\":\"\"}".length();
      String text = String.valueOf(tool).repeat(1 + replyBytes / Math.max(1, String.valueOf(tool).length()));
      result.getJsonArray("content").add(new JsonObject().put("type", "text")
          .put("text", text.substring(0, Math.max(0, replyBytes - bare))));
      return rpc.toBuffer();
    }

    @Override
    public Future<?> stop() {
      return server == null ? Future.succeededFuture() : server.close();
    }
  }
}
