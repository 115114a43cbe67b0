package dev.ephyr.broker.mcp;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * An MCP protocol revision this endpoint speaks, chosen per request, and what differs between them: the
 * 2025 revisions open a session with {@code initialize}; 2026-07-28 is stateless (version and client
 * capabilities in every request's {@code _meta}), types every result ({@code resultType}), gives list results
 * cache hints, answers an unknown method with HTTP 404 and a missing resource with {@code -32602}.
 */
enum Revision {
  V2025_03_26("2025-03-26"),
  V2025_06_18("2025-06-18"),
  V2025_11_25("2025-11-25"),
  V2026_07_28("2026-07-28");

  /** Every version string, newest first (as {@code server/discover} and version errors list them). */
  static final List<String> SUPPORTED = List.of("2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26");
  /** How long a client may keep a list result (tool lists follow policy reloads; listen streams say when). */
  static final long LIST_TTL_MS = 60_000;
  /** Results that carry {@code ttlMs} and {@code cacheScope} in 2026-07-28. */
  private static final Set<String> CACHEABLE = Set.of("tools/list", "resources/list", "resources/templates/list",
      "resources/read", "server/discover");
  static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
  static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  static final String META_CLIENT = "io.modelcontextprotocol/clientInfo";
  static final String META_SERVER = "io.modelcontextprotocol/serverInfo";
  static final String META_SUBSCRIPTION = "io.modelcontextprotocol/subscriptionId";

  private static final JsonObject SERVER_INFO = serverInfo();

  private final String wire;

  Revision(String wire) {
    this.wire = wire;
  }

  /** The version string on the wire. */
  String wire() {
    return wire;
  }

  /** The revision named {@code version}, or {@code null} when this server does not speak it. */
  static Revision of(String version) {
    if (version == null) {
      return null;
    }
    for (Revision r : values()) {
      if (r.wire.equals(version)) {
        return r;
      }
    }
    return null;
  }

  /** Whether requests carry their own version and capabilities (no {@code initialize}, no session). */
  boolean stateless() {
    return this == V2026_07_28;
  }

  /**
   * The response to send for {@code method}: unchanged for the 2025 revisions; in 2026-07-28 a result gains
   * {@code resultType}, the server's identity and (for lists and reads) cache hints scoped to the caller's
   * credential, and "resource not found" becomes {@code -32602}. Changes {@code response} in place.
   */
  JsonObject shape(String method, JsonObject response) {
    if (!stateless() || response == null) {
      return response;
    }
    JsonObject result = response.getJsonObject("result");
    if (result != null) {
      result.put("resultType", "complete");
      JsonObject meta = result.getJsonObject("_meta");
      if (meta == null) {
        meta = new JsonObject();
        result.put("_meta", meta);
      }
      meta.put(META_SERVER, SERVER_INFO); // shared and never changed: it is only encoded
      if (CACHEABLE.contains(method)) {
        // Lists depend on the credential (envelope and policy), so no shared cache may reuse them.
        result.put("ttlMs", "resources/read".equals(method) ? 0L : LIST_TTL_MS).put("cacheScope", "private");
      }
      return response;
    }
    JsonObject error = response.getJsonObject("error");
    if (error != null && Integer.valueOf(JsonRpc.RESOURCE_NOT_FOUND).equals(error.getInteger("code"))) {
      error.put("code", JsonRpc.INVALID_PARAMS);
    }
    return response;
  }

  /** The HTTP status of a single response whose error code is {@code code} (0 for a result). */
  int status(int code) {
    if (code == JsonRpc.INVALID_REQUEST || code == JsonRpc.PARSE_ERROR) {
      return 400;
    }
    if (stateless()) {
      if (code == JsonRpc.METHOD_NOT_FOUND) {
        return 404;
      }
      if (code == JsonRpc.HEADER_MISMATCH || code == JsonRpc.UNSUPPORTED_VERSION
          || code == JsonRpc.MISSING_CLIENT_CAPABILITY) {
        return 400;
      }
    }
    return 200;
  }

  static JsonObject serverInfo() {
    return new JsonObject().put("name", "ephyr").put("version", McpEndpoint.SERVER_VERSION);
  }

  @Override
  public String toString() {
    return wire;
  }
}
