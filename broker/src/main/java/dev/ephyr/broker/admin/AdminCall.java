package dev.ephyr.broker.admin;

import io.vertx.core.json.JsonObject;

/**
 * One admin API message as it arrives on the bus: the operator's credential (checked by the admin verticle,
 * never logged or audited), correlation facts for audit, and the operation's arguments.
 *
 * <pre>{"credential": "ek_...", "request_id": "n1-42", "remote": "10.0.0.5", "args": {...}}</pre>
 *
 * @param credential the admin credential, or null when missing
 * @param requestId the caller's request id (for audit), or null
 * @param remote the client address as the front saw it, or null
 * @param args the operation's arguments (never null)
 */
public record AdminCall(String credential, String requestId, String remote, JsonObject args) {
  static final int MAX_CREDENTIAL = 256;
  static final int MAX_ID = 128;

  /** Reads a message body leniently: anything malformed becomes "missing" and is refused by the caller. */
  static AdminCall parse(Object body) {
    if (!(body instanceof JsonObject o)) {
      return new AdminCall(null, null, null, new JsonObject());
    }
    String credential = o.getValue("credential") instanceof String c && !c.isEmpty() && c.length() <= MAX_CREDENTIAL
        ? c : null;
    String request = o.getValue("request_id") instanceof String r && r.length() <= MAX_ID ? r : null;
    String remote = o.getValue("remote") instanceof String r && r.length() <= MAX_ID ? r : null;
    JsonObject args = o.getValue("args") instanceof JsonObject a ? a : new JsonObject();
    return new AdminCall(credential, request, remote, args);
  }

  @Override
  public String toString() {
    return "AdminCall[" + requestId + ", credential=" + (credential == null ? "none" : "redacted") + ", " + args + "]";
  }
}
