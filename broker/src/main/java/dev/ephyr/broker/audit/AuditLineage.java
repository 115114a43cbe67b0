package dev.ephyr.broker.audit;

import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspection;
import dev.ephyr.protocol.verify.TokenInspector;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where in a task tree a request acted, for audit: agent, acting task, root and lineage. Read from a
 * verified principal, or — for a refused token — from the token itself, but only when the refusal came
 * after its signature was checked (revoked, expired, proof problems): then the lineage is authentic even
 * though the request was refused, and the refusal belongs to that task's story.
 *
 * @param agent the acting task's agent
 * @param task the acting task
 * @param root the root task
 * @param lineage task ids from the root to the acting task
 */
public record AuditLineage(String agent, String task, String root, List<String> lineage) {

  /** Refusals the verifier only reaches after the HMAC chain matched (see TokenVerifier's order). */
  private static final Set<String> AFTER_SIGNATURE = Set.of("expired", "revoked", "cluster_unavailable",
      "bind_required", "bind_expired", "pop_required", "pop_invalid", "replayed", "pop_token_mismatch",
      "pop_body_mismatch", "pop_method_mismatch", "pop_url_mismatch", "pop_key_mismatch", "pop_stale",
      "pop_nonce_required");

  /** Copies the lineage. */
  public AuditLineage {
    lineage = List.copyOf(lineage);
  }

  /** The lineage of a verified principal. */
  public static AuditLineage of(Principal p) {
    return new AuditLineage(p.agent(), p.actingTask().task(), p.rootTask(), tasks(p.lineage()));
  }

  /**
   * The lineage a refused token names, when the refusal {@code reasonCode} proves its signature was good;
   * otherwise {@code null} (an unsigned claim must not write itself into somebody else's story).
   */
  public static AuditLineage ofRefusedToken(String token, String reasonCode) {
    if (token == null || reasonCode == null || !AFTER_SIGNATURE.contains(reasonCode)) {
      return null;
    }
    try {
      TokenInspection i = TokenInspector.inspect(token);
      TaskHop acting = i.actingTask();
      if (acting == null) {
        return null;
      }
      return new AuditLineage(acting.agent(), acting.task(), i.rootTask(), tasks(i.lineage()));
    } catch (MacaroonFormatException | RuntimeException e) {
      return null;
    }
  }

  private static List<String> tasks(List<TaskHop> hops) {
    List<String> out = new ArrayList<>(hops.size());
    for (TaskHop h : hops) {
      out.add(h.task());
    }
    return out;
  }
}
