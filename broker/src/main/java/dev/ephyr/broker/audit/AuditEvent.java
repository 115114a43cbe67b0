package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One decision of the broker, as audit records it: who asked for what, and whether and why it was allowed.
 * Never holds secrets (no tokens, keys, proofs or bodies).
 *
 * @param time when the decision was made
 * @param node the deciding node
 * @param requestId the request's id
 * @param action what was attempted
 * @param outcome {@code allow}, {@code deny} or {@code error}
 * @param code stable reason code
 * @param detail precise reason (audit only)
 * @param agent the agent, if known
 * @param task the acting task, if any
 * @param resource what was touched or tried ({@code target:web1}, {@code service:gitea}), if any
 * @param remote the client address
 * @param status the HTTP status answered
 * @param micros handling time in microseconds
 */
public record AuditEvent(Instant time, String node, String requestId, String action, String outcome, String code,
    String detail, String agent, String task, String resource, String remote, int status, long micros) {

  /** The event as one JSON object (stable field names). */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("time", time.toString()).put("node", node).put("request", requestId)
        .put("action", action).put("outcome", outcome).put("code", code);
    if (detail != null) {
      o.put("detail", detail);
    }
    if (agent != null) {
      o.put("agent", agent);
    }
    if (task != null) {
      o.put("task", task);
    }
    if (resource != null) {
      o.put("resource", resource);
    }
    return o.put("remote", remote).put("status", status).put("micros", micros);
  }
}
