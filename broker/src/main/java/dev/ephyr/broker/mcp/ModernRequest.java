package dev.ephyr.broker.mcp;

import io.vertx.core.json.JsonObject;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Decides whether a request asks for the stateless 2026-07-28 revision, and checks such a request: its
 * {@code _meta} must name the version and the client's capabilities with the right types, and the
 * {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name} headers must be present and agree
 * with the body (so a gateway routing on headers and this server acting on the body see the same request).
 */
final class ModernRequest {
  private static final String SENTINEL_START = "=?base64?";
  private static final String SENTINEL_END = "?=";

  private ModernRequest() {}

  /** The outcome of {@link #check}. */
  sealed interface Checked permits Valid, Refused {}

  /**
   * A well-formed 2026-07-28 request.
   *
   * @param name the verified {@code Mcp-Name} (tool name or resource URI), or null when the method has none
   */
  record Valid(String name) implements Checked {}

  /**
   * A refused one: the HTTP status, the JSON-RPC error response and what audit records.
   *
   * @param status HTTP status
   * @param response the JSON-RPC error response
   * @param code the audit reason code
   * @param detail the audit detail (header and body values, clipped)
   */
  record Refused(int status, JsonObject response, String code, String detail) implements Checked {}

  /**
   * Whether {@code message} (with {@code header} the {@code MCP-Protocol-Version}) asks for 2026-07-28: the
   * header names it, or the body's {@code _meta} carries a protocol version that is not a 2025 one (the 2025
   * revisions never put one there, so a wrong type or an unknown version also counts, and is refused as such).
   */
  static boolean asksModern(Revision header, Object message) {
    if (header != null && header.stateless()) {
      return true;
    }
    if (!(message instanceof JsonObject m) || !(m.getValue("params") instanceof JsonObject p)
        || !(p.getValue("_meta") instanceof JsonObject meta) || !meta.containsKey(Revision.META_VERSION)) {
      return false;
    }
    Revision asked = meta.getValue(Revision.META_VERSION) instanceof String s ? Revision.of(s) : null;
    return asked == null || asked.stateless();
  }

  /** Checks a request that {@link #asksModern}; {@code headers} reads every value of a request header. */
  static Checked check(McpAttributes.Rpc rpc, Function<String, List<String>> headers) {
    if (rpc.batch() || !(rpc.messages().get(0) instanceof JsonObject m)) {
      return refuse(400, null, JsonRpc.INVALID_REQUEST, "invalid request: a 2026-07-28 request is one JSON-RPC "
          + "object per POST (no batches)", "invalid_request", "batch or non-object body");
    }
    Object rawId = m.getValue("id");
    Object id = JsonRpc.validId(rawId) ? rawId : null;
    if (!(m.getValue("method") instanceof String method) || method.isEmpty()) {
      return refuse(400, id, JsonRpc.INVALID_REQUEST, "invalid request: method must be a non-empty string",
          "invalid_request", "no method");
    }
    if (!m.containsKey("id")) {
      return new Valid(null); // a notification: this revision defines no headers for them; it is acknowledged
    }
    if (!(m.getValue("params") instanceof JsonObject params) || !(params.getValue("_meta") instanceof JsonObject meta)) {
      return invalidParams(id, "params._meta (an object) is required in 2026-07-28: it carries "
          + Revision.META_VERSION + " and " + Revision.META_CAPABILITIES);
    }
    if (!(meta.getValue(Revision.META_VERSION) instanceof String version)) {
      return invalidParams(id, "params._meta[\"" + Revision.META_VERSION + "\"] (a string) is required");
    }
    Revision asked = Revision.of(version);
    if (asked == null) {
      return new Refused(400, JsonRpc.unsupportedVersion(id, version), "unsupported_version", JsonRpc.clip(version));
    }
    if (!(meta.getValue(Revision.META_CAPABILITIES) instanceof JsonObject)) {
      return invalidParams(id, "params._meta[\"" + Revision.META_CAPABILITIES + "\"] (an object, {} for none) is "
          + "required");
    }
    if (meta.containsKey(Revision.META_CLIENT) && !(meta.getValue(Revision.META_CLIENT) instanceof JsonObject info
        && info.getValue("name") instanceof String && info.getValue("version") instanceof String)) {
      return invalidParams(id, "params._meta[\"" + Revision.META_CLIENT + "\"] must be an object with string name "
          + "and version");
    }
    Refused r = header(id, headers, "MCP-Protocol-Version", version, false);
    if (r != null) {
      return r;
    }
    if (!asked.stateless()) {
      return mismatch(id, "the request names " + version + " in _meta, a revision that uses initialize and "
          + "sessions; use 2026-07-28 or drop _meta's protocol version", "meta " + version);
    }
    r = header(id, headers, "Mcp-Method", method, false);
    if (r != null) {
      return r;
    }
    String field = switch (method) {
      case "tools/call", "prompts/get" -> "name";
      case "resources/read" -> "uri";
      default -> null;
    };
    if (field == null || !(params.getValue(field) instanceof String named)) {
      return new Valid(null); // a missing or mistyped name is the method's own -32602
    }
    r = header(id, headers, "Mcp-Name", named, true);
    return r != null ? r : new Valid(named);
  }

  /** Null when header {@code name} is present once and (decoded, if {@code encodable}) equals {@code body}. */
  private static Refused header(Object id, Function<String, List<String>> headers, String name, String body,
      boolean encodable) {
    List<String> values = headers.apply(name);
    if (values == null || values.isEmpty()) {
      return mismatch(id, "the " + name + " header is required in 2026-07-28 (it must equal the body's value "
          + quote(body) + ")", name + " missing");
    }
    if (values.size() > 1) {
      return mismatch(id, "the " + name + " header must be sent once", name + " repeated");
    }
    String raw = values.get(0);
    String value = encodable ? decode(raw) : raw;
    if (value == null) {
      return mismatch(id, "the " + name + " header is not valid =?base64?...?= encoding", name + " malformed");
    }
    if (!value.equals(body)) {
      return mismatch(id, "header mismatch: " + name + " " + quote(value) + " does not match the body's "
          + quote(body), name + " " + quote(value) + " vs body " + quote(body));
    }
    return null;
  }

  /** The header value, Base64-decoded when in the sentinel form; null when that form does not decode. */
  static String decode(String raw) {
    if (!raw.startsWith(SENTINEL_START) || !raw.endsWith(SENTINEL_END)
        || raw.length() < SENTINEL_START.length() + SENTINEL_END.length()) {
      return raw;
    }
    String b64 = raw.substring(SENTINEL_START.length(), raw.length() - SENTINEL_END.length());
    try {
      byte[] bytes = Base64.getDecoder().decode(b64);
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return null;
    }
  }

  private static String quote(String s) {
    return "'" + JsonRpc.clip(s) + "'";
  }

  private static Refused invalidParams(Object id, String message) {
    return refuse(200, id, JsonRpc.INVALID_PARAMS, message, "invalid_params", message);
  }

  private static Refused mismatch(Object id, String message, String detail) {
    return refuse(400, id, JsonRpc.HEADER_MISMATCH, message, "header_mismatch", detail);
  }

  private static Refused refuse(int status, Object id, int code, String message, String audit, String detail) {
    return new Refused(status, JsonRpc.error(id, code, message), audit, detail);
  }
}
