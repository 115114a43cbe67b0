package dev.ephyr.broker;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Raw 2026-07-28 requests against /mcp: every request carries its version and client capabilities in
 * {@code _meta} and the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers; no session.
 */
final class ModernMcp {
  static final String VERSION = "2026-07-28";
  private final String url;
  private final String credential;
  private final AtomicInteger ids = new AtomicInteger();

  ModernMcp(String url, String credential) {
    this.url = url;
    this.credential = credential;
  }

  static JsonObject meta() {
    return new JsonObject().put("io.modelcontextprotocol/protocolVersion", VERSION)
        .put("io.modelcontextprotocol/clientCapabilities", new JsonObject())
        .put("io.modelcontextprotocol/clientInfo", new JsonObject().put("name", "raw-test").put("version", "1"));
  }

  /** A request body for {@code method} with {@code params} (a copy gains the standard _meta). */
  JsonObject request(String method, JsonObject params) {
    JsonObject p = params == null ? new JsonObject() : params.copy();
    p.put("_meta", meta());
    return new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method).put("params", p);
  }

  /** The headers a conforming client sends for {@code body}. */
  Map<String, String> headers(JsonObject body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json, text/event-stream");
    h.put("Authorization", "Bearer " + credential);
    h.put("MCP-Protocol-Version", VERSION);
    h.put("Mcp-Method", body.getString("method"));
    if (body.getValue("params") instanceof JsonObject p) {
      if (p.getValue("name") instanceof String n) {
        h.put("Mcp-Name", n);
      } else if (p.getValue("uri") instanceof String u) {
        h.put("Mcp-Name", u);
      }
    }
    return h;
  }

  Http.Response send(JsonObject body, Map<String, String> headers) {
    return Http.send("POST", url, headers, body.encode().getBytes(StandardCharsets.UTF_8));
  }

  Http.Response send(JsonObject body) {
    return send(body, headers(body));
  }

  Http.Response rpc(String method, JsonObject params) {
    return send(request(method, params));
  }

  Http.Response call(String tool, JsonObject args) {
    return rpc("tools/call", new JsonObject().put("name", tool).put("arguments", args == null ? new JsonObject() : args));
  }

  /** The structured result of a tool call that must succeed. */
  JsonObject ok(String tool, JsonObject args) {
    Http.Response r = call(tool, args);
    if (r.status() != 200 || r.json().containsKey("error")
        || r.json().getJsonObject("result").getBoolean("isError", false)) {
      throw new AssertionError(tool + " failed: " + r);
    }
    return r.json().getJsonObject("result").getJsonObject("structuredContent");
  }

  String url() {
    return url;
  }
}
