package dev.ephyr.broker;

import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Raw JSON-RPC over HTTP against /mcp, with an API key, a bearer token or a DPoP-bound token. */
final class McpClient {
  private final String url;
  private final String credential;
  private final HolderKeyPair key;
  private final String proofUrl;
  private final AtomicInteger ids = new AtomicInteger();
  String sessionId;
  String version = "2025-11-25";

  private McpClient(String url, String credential, HolderKeyPair key, String proofUrl) {
    this.url = url;
    this.credential = credential;
    this.key = key;
    this.proofUrl = proofUrl;
  }

  static McpClient bearer(String url, String credential) {
    return new McpClient(url, credential, null, url);
  }

  /** Every request carries {@code Authorization: DPoP <token>} and a fresh proof signed by {@code key}. */
  static McpClient dpop(String url, String token, HolderKeyPair key) {
    return new McpClient(url, token, key, url);
  }

  /** Like {@link #dpop} but proofs name {@code proofUrl} and go to {@code url} (another node). */
  static McpClient dpop(String url, String token, HolderKeyPair key, String proofUrl) {
    return new McpClient(url, token, key, proofUrl);
  }

  Map<String, String> headers(String method, byte[] body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json, text/event-stream");
    if (credential != null) {
      if (key == null) {
        h.put("Authorization", "Bearer " + credential);
      } else {
        h.put("Authorization", "DPoP " + credential);
        h.put("DPoP", proof(method, body));
      }
    }
    if (sessionId != null) {
      h.put("Mcp-Session-Id", sessionId);
    }
    if (version != null) {
      h.put("MCP-Protocol-Version", version);
    }
    return h;
  }

  String proof(String method, byte[] body) {
    return DpopProofBuilder.forKey(key).method(method).url(proofUrl).accessToken(credential)
        .body(body == null || body.length == 0 ? null : body).build();
  }

  Http.Response raw(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return Http.send("POST", url, headers("POST", b), b);
  }

  Http.Response rpc(String method, JsonObject params) {
    JsonObject m = new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method);
    if (params != null) {
      m.put("params", params);
    }
    return raw(m.encode());
  }

  Http.Response initialize(String version) {
    Http.Response r = rpc("initialize", new JsonObject().put("protocolVersion", version)
        .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "t").put("version", "1")));
    if (r.status() == 200) {
      sessionId = r.header("Mcp-Session-Id");
    }
    return r;
  }

  Http.Response call(String tool, JsonObject args) {
    return rpc("tools/call", new JsonObject().put("name", tool).put("arguments", args == null ? new JsonObject() : args));
  }

  /** Calls a tool that must succeed; returns its structured result. */
  JsonObject ok(String tool, JsonObject args) {
    Http.Response r = call(tool, args);
    if (r.status() != 200) {
      throw new AssertionError(tool + ": HTTP " + r);
    }
    JsonObject result = r.json().getJsonObject("result");
    if (result == null || result.getBoolean("isError")) {
      throw new AssertionError(tool + ": " + r);
    }
    return result.getJsonObject("structuredContent");
  }

  /** Calls a tool that must be refused as a tool error; returns the error code. */
  String toolError(String tool, JsonObject args) {
    Http.Response r = call(tool, args);
    if (r.status() != 200) {
      throw new AssertionError(tool + ": expected a tool error, got HTTP " + r);
    }
    JsonObject result = r.json().getJsonObject("result");
    if (result == null || !result.getBoolean("isError")) {
      throw new AssertionError(tool + ": expected a tool error, got " + r);
    }
    return result.getJsonObject("structuredContent").getString("error");
  }
}
