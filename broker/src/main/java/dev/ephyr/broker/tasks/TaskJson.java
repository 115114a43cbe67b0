package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.protocol.caveat.Envelope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** How tasks, minted tokens and acknowledgements are shown to callers. */
final class TaskJson {
  private TaskJson() {}

  /** A task record with its (already decided) status. */
  static JsonObject record(TaskRecord r, TaskStatus status, long nowMillis) {
    JsonObject o = new JsonObject().put("task_id", r.taskId()).put("root_id", r.rootId())
        .put("parent_id", r.parentId()).put("agent", r.agent()).put("depth", r.depth()).put("epoch", r.epoch())
        .put("created_at", r.createdAt().toString()).put("expires_at", r.expiresAt().toString())
        .put("remaining_ttl_seconds", Math.max(0, (r.expiresAt().toEpochMilli() - nowMillis) / 1000))
        .put("holder_bound", r.holderJkt() != null);
    if (r.holderJkt() != null) {
      o.put("holder_jkt", r.holderJkt());
    }
    if (r.bindBy() != null) {
      o.put("bind_by", r.bindBy().toString());
    }
    try {
      JsonObject summary = new JsonObject(r.envelope());
      o.put("description", summary.getString("description"));
      o.put("envelope", summary.getJsonObject("envelope"));
    } catch (RuntimeException e) {
      // an unreadable summary is shown as absent; it carries nothing security-relevant
    }
    return o.put("status", status.code());
  }

  /** The summary stored in a task record: the minted envelope ({@link EnvelopeJson#render}) and the description. */
  static String summary(JsonObject envelope, String description) {
    JsonObject o = new JsonObject().put("envelope", envelope);
    if (description != null) {
      o.put("description", description);
    }
    return o.encode();
  }

  /** A freshly minted task and its token; {@code shown} is {@code env} rendered ({@link EnvelopeJson#render}). */
  static JsonObject minted(TaskRecord r, String token, Envelope env, JsonObject shown, long nowSeconds) {
    JsonObject o = new JsonObject().put("task_id", r.taskId()).put("token", token).put("token_type", "macaroon")
        .put("agent", r.agent()).put("depth", r.depth()).put("expires_at", r.expiresAt().toString())
        .put("ttl_seconds", Math.max(0, r.expiresAt().getEpochSecond() - nowSeconds))
        .put("can_delegate", env.delegate()).put("max_depth", env.maxDepth())
        .put("holder_bound", r.holderJkt() != null).put("envelope", shown);
    if (r.holderJkt() != null) {
      o.put("holder_jkt", r.holderJkt());
    }
    if (r.bindBy() != null) {
      o.put("bind_by", r.bindBy().toString());
    }
    return o;
  }

  /** {@code o} with how many members acknowledged a watermark raise. */
  static JsonObject ack(JsonObject o, RaiseResult r) {
    return o.put("acknowledged_by_all", r.acknowledgedByAll())
        .put("acknowledged", r.acknowledged().size())
        .put("members", r.acknowledged().size() + r.missing().size())
        .put("missing", new JsonArray(r.missing()));
  }
}
