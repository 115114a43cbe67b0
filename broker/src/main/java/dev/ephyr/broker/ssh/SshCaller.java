package dev.ephyr.broker.ssh;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.verify.TaskHop;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the SSH capability needs of a verified task-token caller, in a form that crosses the event bus to
 * the node owning a session: agent, acting task, lineage with epochs, expiry and the SSH scope of the
 * effective envelope (already intersected with the policy by the node that verified the token).
 *
 * @param agent the agent
 * @param task the acting task
 * @param lineage root first, acting task last
 * @param expiresAt unix seconds
 * @param scope targets and roles of the effective envelope
 */
record SshCaller(String agent, String task, List<TaskHop> lineage, long expiresAt, SshAccess.Scope scope) {

  static SshCaller of(Caller.TaskToken t) {
    return new SshCaller(t.agent(), t.task(), t.principal().lineage(), t.effective().expiresAt(),
        new SshAccess.Scope(t.effective().targets(), t.effective().roles()));
  }

  /** The subject of a certificate for this caller. */
  CertIssuer.Subject subject() {
    return new CertIssuer.Subject(agent, task, lineage, expiresAt);
  }

  JsonObject toJson() {
    JsonArray hops = new JsonArray();
    for (TaskHop h : lineage) {
      hops.add(new JsonObject().put("task", h.task()).put("epoch", h.epoch()));
    }
    return new JsonObject().put("agent", agent).put("task", task).put("lineage", hops).put("expires_at", expiresAt)
        .put("targets", scope.targets().render()).put("roles", scope.roles().render());
  }

  /** Reads what {@link #toJson} wrote (from another cluster member); throws on anything malformed. */
  static SshCaller fromJson(JsonObject j) {
    List<TaskHop> hops = new ArrayList<>();
    JsonArray a = j.getJsonArray("lineage");
    if (a == null || a.isEmpty() || a.size() > 16) {
      throw new IllegalArgumentException("lineage");
    }
    for (int i = 0; i < a.size(); i++) {
      JsonObject h = a.getJsonObject(i);
      hops.add(new TaskHop(h.getString("task"), h.getLong("epoch"), null, null, null, null));
    }
    return new SshCaller(require(j, "agent"), require(j, "task"), List.copyOf(hops), j.getLong("expires_at"),
        new SshAccess.Scope(idSet(require(j, "targets")), idSet(require(j, "roles"))));
  }

  private static String require(JsonObject j, String key) {
    String v = j.getString(key);
    if (v == null) {
      throw new IllegalArgumentException(key);
    }
    return v;
  }

  private static IdSet idSet(String rendered) {
    if (rendered.equals("*")) {
      return IdSet.ALL;
    }
    if (rendered.equals("-")) {
      return IdSet.NONE;
    }
    return IdSet.of(Arrays.asList(rendered.split(",")));
  }
}
