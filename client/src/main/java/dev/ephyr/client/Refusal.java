package dev.ephyr.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * A broker's refusal of a request's credentials (HTTP 401, 403, 423 or 503 with {@code {"error", "message"}}),
 * or a tool error with a task-level reason, with what the holder can do about it.
 *
 * @param status the HTTP status (0 for a tool error inside a 200 answer)
 * @param code the broker's stable reason code, e.g. {@code revoked}
 * @param message the broker's short text
 */
public record Refusal(int status, String code, String message) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads a refusal body; unknown shapes become {@code code "refused"}. */
  public static Refusal parse(int status, byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.path("error").isTextual()) {
        return new Refusal(status, clip(n.get("error").asText()), clip(n.path("message").asText("")));
      }
    } catch (IOException e) {
      // fall through: not the broker's JSON
    }
    return new Refusal(status, "refused", "HTTP " + status);
  }

  /**
   * Whether no later request with the same token and key can succeed, so a supervisor should stop and ask
   * for a new token (or the right key) rather than restart the bridge.
   */
  public boolean terminal() {
    switch (code) {
      case "revoked": case "expired": case "bind_expired": case "bad_signature": case "unknown_key":
      case "malformed": case "pop_key_mismatch": case "already_bound": case "forged_fact": case "bad_lineage":
      case "unknown_caveat": case "invalid_caveat": case "agent_not_in_policy": case "not_found":
        return true;
      default:
        return false;
    }
  }

  /** One sentence on what to do next. */
  public String hint() {
    switch (code) {
      case "revoked": return "the task or one of its ancestors was revoked; ask whoever delegated it for a new task token";
      case "expired": return "the task token has expired; ask for a new task token";
      case "bind_expired":
        return "the bind deadline passed before the first call; ask for a new task delegated with a longer bind_within";
      case "already_bound":
        return "the task was bound to another key already (binding happens once); ask for a new task token, and "
            + "treat the old one as stolen if you did not bind it";
      case "pop_key_mismatch":
        return "the task is bound to a different key than --key-file holds; use the key it was bound with";
      case "bad_signature": case "unknown_key": case "malformed": case "forged_fact": case "bad_lineage":
      case "unknown_caveat": case "invalid_caveat":
        return "this token is not valid for this cluster; check --url and the token file";
      case "agent_not_in_policy": return "the task's agent is no longer in the broker policy; ask the operator";
      case "cluster_unavailable": return "no node could vouch for revocations; retry when the cluster has quorum";
      case "replayed": case "pop_invalid": case "pop_stale":
        return "a proof was refused; check that this machine's clock is right";
      case "pop_url_mismatch":
        return "the node's public URL differs from --url; pass the URL the node announces (http.public-url)";
      case "not_found": return "the cluster does not know this task; check --url";
      default: return "see the broker's message";
    }
  }

  private static String clip(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
    for (int i = 0; i < s.length() && b.length() < 300; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? ' ' : c); // one line on a terminal, whatever the node sent
    }
    return b.toString();
  }
}
