package dev.ephyr.load;

import dev.ephyr.client.ProofSigner;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;

/**
 * The driver's view of broker nodes: task operations over the REST mirror and {@code tools/call} over MCP,
 * with an API key, a bearer token or a DPoP-bound token. Keeps connections alive; nothing blocks.
 */
final class BrokerClient {
  private static final long TIMEOUT_MS = 10_000;
  private static final String MCP_VERSION = "2025-11-25";
  private static final String STATELESS_VERSION = "2026-07-28";
  private static final byte[] TASK_INFO_STATELESS = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
      + "\"params\":{\"name\":\"task_info\",\"arguments\":{},\"_meta\":{"
      + "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
      + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}").getBytes(StandardCharsets.UTF_8);
  private static final byte[] INITIALIZE = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
      + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"ephyr-load\",\"version\":\"1\"}}}").getBytes(StandardCharsets.UTF_8);

  // One source of proof ids for every signer: SecureRandom is thread-safe, and seeding one per proof is slow.
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /** The MCP requests a verification scenario sends: what a proof for one of them signs is its exact body. */
  enum Request {
    /** {@code tools/call task_info}. */
    TASK_INFO("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
        + "\"params\":{\"name\":\"task_info\",\"arguments\":{}}}"),
    /** {@code tools/call task_list}. */
    TASK_LIST("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
        + "\"params\":{\"name\":\"task_list\",\"arguments\":{}}}"),
    /** MCP {@code ping}. */
    PING("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");

    private final byte[] body;

    Request(String body) {
      this.body = body.getBytes(StandardCharsets.UTF_8);
    }
  }

  private final HttpClientAgent http;

  BrokerClient(Vertx vertx, int connectionsPerNode) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000)
        .setIdleTimeout(60), new PoolOptions().setHttp1MaxSize(connectionsPerNode).setMaxWaitQueueSize(100_000));
  }

  /** A root task for the API key's agent; the reply holds {@code task_id} and {@code token}. */
  Future<JsonObject> createTask(String node, String apiKey, JsonObject args) {
    return rest(node, "/v1/tasks", "Bearer " + apiKey, null, args);
  }

  /** A child of the task whose (bearer) token this is. */
  Future<JsonObject> delegate(String node, String parentToken, JsonObject args) {
    return rest(node, "/v1/tasks/delegate", "Bearer " + parentToken, null, args);
  }

  /** Binds the task of {@code token} to {@code key} (two-phase bind). */
  Future<JsonObject> bind(String node, String token, HolderKeyPair key) {
    return rest(node, "/v1/tasks/bind", "DPoP " + token, key, new JsonObject());
  }

  /** Revokes {@code taskId} and its subtree; completes when the broker reports the revoke acknowledged. */
  Future<JsonObject> revoke(String node, String apiKey, String taskId) {
    return rest(node, "/v1/tasks/" + taskId + "/revoke", "Bearer " + apiKey, null, new JsonObject());
  }

  /** {@code tools/call task_info} with the token as bearer, or DPoP-bound with a fresh proof from {@code key}. */
  Future<Outcome> taskInfo(String node, String token, HolderKeyPair key) {
    return mcp(node, token, key, Request.TASK_INFO);
  }

  /** The size of one {@code task_info} reply (bearer token), for the baseline server to answer alike. */
  Future<Integer> taskInfoReplyBytes(String node, String token) {
    RequestOptions o = mcpRequest(node, MCP_VERSION).putHeader("Authorization", "Bearer " + token);
    Buffer body = Buffer.buffer(Request.TASK_INFO.body);
    return http.request(o).compose(req -> req.send(body)).compose(res -> res.body().compose(b ->
        res.statusCode() == 200 ? Future.succeededFuture(b.length())
            : Future.failedFuture(new IllegalStateException("task_info answered " + res.statusCode()))));
  }

  /** A 2025-11-25 session for {@code token}'s caller: its {@code Mcp-Session-Id}. */
  Future<String> initialize(String node, String token) {
    RequestOptions o = mcpRequest(node, MCP_VERSION).putHeader("Authorization", "Bearer " + token);
    return http.request(o).compose(req -> req.send(Buffer.buffer(INITIALIZE))).compose(res -> res.body().compose(b -> {
      String id = res.getHeader("Mcp-Session-Id");
      return res.statusCode() == 200 && id != null ? Future.succeededFuture(id)
          : Future.failedFuture(new IllegalStateException("initialize answered " + res.statusCode()));
    }));
  }

  /** {@code tools/call task_info} in a 2025-11-25 session (bearer token). */
  Future<Outcome> taskInfoInSession(String node, String token, String sessionId) {
    RequestOptions o = mcpRequest(node, MCP_VERSION).putHeader("Authorization", "Bearer " + token)
        .putHeader("Mcp-Session-Id", sessionId);
    return send(o, Request.TASK_INFO.body);
  }

  /** {@code tools/call task_info} in 2026-07-28: no session, _meta and the standard headers (bearer token). */
  Future<Outcome> taskInfoStateless(String node, String token) {
    RequestOptions o = mcpRequest(node, STATELESS_VERSION).putHeader("Authorization", "Bearer " + token)
        .putHeader("Mcp-Method", "tools/call").putHeader("Mcp-Name", "task_info");
    return send(o, TASK_INFO_STATELESS);
  }

  private static RequestOptions mcpRequest(String node, String version) {
    return new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(node + "/mcp").setTimeout(TIMEOUT_MS)
        .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
        .putHeader("MCP-Protocol-Version", version);
  }

  private Future<Outcome> send(RequestOptions o, byte[] body) {
    return http.request(o).compose(req -> req.send(Buffer.buffer(body)))
        .compose(res -> res.body().map(reply -> classifyTool(res.statusCode(), reply)))
        .recover(e -> Future.succeededFuture(Outcome.refused(transport(e))));
  }

  /** {@code request} with the token as bearer, or DPoP-bound with a proof signed now from {@code key}. */
  Future<Outcome> mcp(String node, String token, HolderKeyPair key, Request request) {
    return key == null ? post(node, "Bearer " + token, null, request)
        : post(node, "DPoP " + token, proof(node, token, key, request), request);
  }

  /** {@code request} with a DPoP-bound token and a proof signed earlier by {@link #proof}. */
  Future<Outcome> mcpWithProof(String node, String token, String proof, Request request) {
    return post(node, "DPoP " + token, proof, request);
  }

  /** A fresh proof (new {@code jti}, {@code iat} now) for one later {@code request} to {@code node}. */
  String proof(String node, String token, HolderKeyPair key, Request request) {
    return new ProofSigner(key, RANDOM).sign("POST", node + "/mcp", token, request.body, null);
  }

  private Future<Outcome> post(String node, String authorization, String proof, Request request) {
    RequestOptions o = mcpRequest(node, MCP_VERSION).putHeader("Authorization", authorization);
    if (proof != null) {
      o.putHeader("DPoP", proof);
    }
    return send(o, request.body);
  }

  private Future<JsonObject> rest(String node, String path, String authorization, HolderKeyPair key, JsonObject args) {
    String url = node + path;
    byte[] body = args.encode().getBytes(StandardCharsets.UTF_8);
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setTimeout(TIMEOUT_MS)
        .putHeader("Content-Type", "application/json").putHeader("Authorization", authorization);
    if (key != null) {
      String token = authorization.substring("DPoP ".length());
      o.putHeader("DPoP", new ProofSigner(key, RANDOM).sign("POST", url, token, body, null));
    }
    return http.request(o).compose(req -> req.send(Buffer.buffer(body))).compose(res -> res.body().compose(b -> {
      if (res.statusCode() / 100 == 2) {
        return Future.succeededFuture(new JsonObject(b));
      }
      return Future.failedFuture(new RefusedException(res.statusCode(), errorCode(b, res.statusCode())));
    }));
  }

  /** A REST operation the broker refused (or the transport failed). */
  static final class RefusedException extends RuntimeException {
    final String code;

    RefusedException(int status, String code) {
      super("HTTP " + status + ": " + code, null, false, false);
      this.code = code;
    }
  }

  private static Outcome classifyTool(int status, Buffer body) {
    if (status == 200) {
      // Cheap checks first: this runs for every request of a flat-out run.
      String s = body.toString(StandardCharsets.UTF_8);
      if (s.contains("\"isError\":false") || s.contains("\"result\":{}")) {
        return Outcome.OK;
      }
      try {
        JsonObject o = new JsonObject(s);
        JsonObject r = o.getJsonObject("result");
        if (r != null && r.getJsonObject("structuredContent") != null) {
          return Outcome.refused(r.getJsonObject("structuredContent").getString("error", "tool_error"));
        }
        if (o.getJsonObject("error") != null) {
          return Outcome.refused("jsonrpc_" + o.getJsonObject("error").getInteger("code"));
        }
      } catch (DecodeException | ClassCastException e) {
        return Outcome.refused("unreadable_reply");
      }
      return Outcome.refused("tool_error");
    }
    return Outcome.refused(errorCode(body, status));
  }

  private static String errorCode(Buffer body, int status) {
    try {
      Object e = new JsonObject(body).getValue("error");
      if (e instanceof String code) {
        return code;
      }
    } catch (DecodeException | ClassCastException ignored) {
      // not JSON, or a JSON-RPC error object: the status says enough
    }
    return "http_" + status;
  }

  /** The reason code of a failed operation: the broker's refusal, or the transport failure. */
  static String code(Throwable e) {
    return e instanceof RefusedException r ? r.code : transport(e);
  }

  static String transport(Throwable e) {
    if (e instanceof ConnectException || (e.getMessage() != null && e.getMessage().contains("Connection refused"))) {
      return "connect_failed";
    }
    if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
      return "timeout";
    }
    return "closed";
  }

  Future<Void> close() {
    return http.close();
  }
}
