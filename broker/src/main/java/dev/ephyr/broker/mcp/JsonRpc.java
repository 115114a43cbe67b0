package dev.ephyr.broker.mcp;

import io.vertx.core.json.JsonObject;

/** JSON-RPC 2.0 error codes and message builders. */
final class JsonRpc {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** MCP: resource not found (2025 revisions; 2026-07-28 uses {@link #INVALID_PARAMS}). */
  static final int RESOURCE_NOT_FOUND = -32002;
  /** MCP 2026-07-28: the HTTP headers are missing, malformed or disagree with the body. */
  static final int HEADER_MISMATCH = -32020;
  /** MCP 2026-07-28: the request needs a client capability it did not declare (never sent: we need none). */
  static final int MISSING_CLIENT_CAPABILITY = -32021;
  /** MCP 2026-07-28: the protocol version is not one this server speaks. */
  static final int UNSUPPORTED_VERSION = -32022;
  /**
   * Ours, outside the JSON-RPC reserved range as MCP asks: this node serves its maximum of list-change
   * streams (HTTP 503 with {@code Retry-After}).
   */
  static final int STREAM_LIMIT = -31001;

  private JsonRpc() {}

  static JsonObject error(Object id, int code, String message) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  /** An error with a {@code data} member. */
  static JsonObject error(Object id, int code, String message, JsonObject data) {
    JsonObject e = error(id, code, message);
    e.getJsonObject("error").put("data", data);
    return e;
  }

  /** The answer to a request naming a version we do not speak: which we do, and what was asked. */
  static JsonObject unsupportedVersion(Object id, String requested) {
    return error(id, UNSUPPORTED_VERSION, "unsupported protocol version " + clip(requested) + "; supported: "
        + String.join(", ", Revision.SUPPORTED), new JsonObject()
        .put("supported", new io.vertx.core.json.JsonArray(Revision.SUPPORTED)).put("requested", clip(requested)));
  }

  static String clip(String s) {
    return s == null ? "null" : s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  static JsonObject result(Object id, JsonObject result) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  /** A usable request id: a string or an integral number; anything else is not an id. */
  static boolean validId(Object id) {
    if (id instanceof String s) {
      return s.length() <= 256;
    }
    return id instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
  }
}
