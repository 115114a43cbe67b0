package dev.ephyr.broker.mcp;

import io.vertx.core.json.JsonObject;

/** JSON-RPC 2.0 error codes and message builders. */
final class JsonRpc {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** MCP: resource not found. */
  static final int RESOURCE_NOT_FOUND = -32002;

  private JsonRpc() {}

  static JsonObject error(Object id, int code, String message) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
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
