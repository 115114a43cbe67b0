package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tasks.EnvelopeJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code ephyr://} resources for self-discovery: who am I and with what envelope, which tools may I use,
 * and the cluster state as this node sees it. Each shows only what concerns the caller.
 */
final class McpResources {
  private final Supplier<JsonObject> cluster;

  McpResources(Supplier<JsonObject> cluster) {
    this.cluster = cluster;
  }

  JsonArray list(Caller caller) {
    JsonArray a = new JsonArray()
        .add(entry("ephyr://whoami", "whoami", "the calling agent, its task and its effective envelope"))
        .add(entry("ephyr://tools", "tools", "the tools this caller may use"));
    if (!(caller instanceof Caller.BindPending)) {
      a.add(entry("ephyr://cluster", "cluster", "the cluster as this node sees it"));
    }
    return a;
  }

  private static JsonObject entry(String uri, String name, String description) {
    return new JsonObject().put("uri", uri).put("name", name).put("description", description)
        .put("mimeType", "application/json");
  }

  /** The resource's content, or {@code null} when there is no such resource for this caller. */
  JsonObject read(String uri, Caller caller, List<String> visibleTools) {
    JsonObject body;
    switch (uri) {
      case "ephyr://whoami":
        body = whoami(caller);
        break;
      case "ephyr://tools":
        body = new JsonObject().put("tools", new JsonArray(visibleTools));
        break;
      case "ephyr://cluster":
        if (caller instanceof Caller.BindPending) {
          return null;
        }
        body = cluster.get();
        break;
      default:
        return null;
    }
    return new JsonObject().put("uri", uri).put("mimeType", "application/json").put("text", body.encodePrettily());
  }

  private static JsonObject whoami(Caller caller) {
    JsonObject o = new JsonObject().put("agent", caller.agent());
    if (caller instanceof Caller.AgentKey k) {
      return o.put("credential", "api_key").put("require_task", k.policy().requireTask())
          .put("require_pop", k.policy().requirePop())
          .put("may_delegate", k.policy().grant().delegate())
          .put("max_depth", k.policy().grant().maxDepth());
    }
    if (caller instanceof Caller.BindPending b) {
      return o.put("credential", "task_token").put("task", b.task()).put("state", "bind_pending");
    }
    Caller.TaskToken t = (Caller.TaskToken) caller;
    JsonArray lineage = new JsonArray();
    t.principal().lineage().forEach(h -> lineage.add(h.task()));
    return o.put("credential", "task_token").put("task", t.task()).put("root", t.principal().rootTask())
        .put("depth", t.principal().depth()).put("lineage", lineage)
        .put("holder_bound", t.principal().holder() != null)
        .put("envelope", EnvelopeJson.render(t.effective()));
  }
}
