package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.protocol.caveat.Envelope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The local tools with their input schemas, and which of them a caller may see. */
final class ToolCatalog {
  private final Map<String, JsonObject> tools = new LinkedHashMap<>();

  ToolCatalog() {
    JsonObject envelope = obj("object", "Narrow the envelope; each dimension given is intersected, absent ones inherit.")
        .put("properties", new JsonObject()
            .put("targets", names("SSH targets")).put("roles", names("SSH roles"))
            .put("services", names("HTTP services")).put("methods", names("HTTP methods"))
            .put("remotes", names("federated MCP servers")).put("tools", names("federated tool patterns remote.tool")))
        .put("additionalProperties", false);
    JsonObject ttl = new JsonObject().put("type", new JsonArray().add("integer").add("string"))
        .put("description", "seconds, or a duration like 90s, 30m, 2h");
    add("task_create", "Create a root task and mint its token (agent API key only).", new JsonObject()
        .put("description", str("what the task is for"))
        .put("ttl", ttl)
        .put("can_delegate", bool("whether the task may delegate (default false)"))
        .put("max_depth", integer("deepest lineage allowed below the root (0-5)", 0, 5))
        .put("envelope", envelope)
        .put("holder_jkt", str("bind now to this Ed25519 key (RFC 7638 thumbprint)"))
        .put("bind_within", integer("two-phase bind: seconds within which task_bind must be called", 1, 3600))
        .put("template", str("a policy template to start from")), List.of());
    add("task_delegate", "Create a child task with narrower authority (same agent or, if policy allows, another).",
        new JsonObject()
            .put("description", str("what the child task is for"))
            .put("agent", str("the child's agent (default: the same agent)"))
            .put("ttl", ttl)
            .put("can_delegate", bool("whether the child may delegate further (default false)"))
            .put("max_depth", integer("deepest lineage allowed", 0, 5))
            .put("envelope", envelope)
            .put("holder_jkt", str("bind the child now to this key"))
            .put("bind_within", integer("two-phase bind deadline in seconds", 1, 3600))
            .put("parent_token", str("with an API key: the parent task's token")), List.of());
    add("task_bind", "Bind this task to the key that signs this request's DPoP proof (once).",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of());
    add("task_info", "Show a task: lineage position, expiry, binding, status, envelope.",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of());
    add("task_list", "List the tasks visible to the caller.",
        new JsonObject().put("include_inactive", bool("also list revoked and expired tasks")), List.of());
    add("task_revoke", "Revoke a task and, with it, its whole subtree on every node (acknowledged).",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of());
    add("task_reissue", "Mint a fresh token for a task and invalidate every older copy (for a leaked token).",
        new JsonObject().put("task_id", str("the task (default: the token's own)"))
            .put("token", str("with an API key: the task's current token")), List.of());
  }

  private void add(String name, String description, JsonObject properties, List<String> required) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties)
        .put("additionalProperties", false);
    if (!required.isEmpty()) {
      schema.put("required", new JsonArray(new ArrayList<>(required)));
    }
    tools.put(name, new JsonObject().put("name", name).put("description", description).put("inputSchema", schema));
  }

  private static JsonObject obj(String type, String description) {
    return new JsonObject().put("type", type).put("description", description);
  }

  private static JsonObject str(String description) {
    return obj("string", description);
  }

  private static JsonObject bool(String description) {
    return obj("boolean", description);
  }

  private static JsonObject integer(String description, int min, int max) {
    return obj("integer", description).put("minimum", min).put("maximum", max);
  }

  private static JsonObject names(String description) {
    return new JsonObject().put("description", description + ": a list of names, or \"*\"")
        .put("anyOf", new JsonArray().add(new JsonObject().put("type", "array").put("maxItems", 64)
                .put("items", new JsonObject().put("type", "string")))
            .add(new JsonObject().put("type", "string").put("const", "*")));
  }

  boolean exists(String name) {
    return tools.containsKey(name);
  }

  /** The tool names {@code caller} may use; what its envelope and policy rule out is not shown. */
  List<String> visibleNames(Caller caller) {
    List<String> out = new ArrayList<>();
    if (caller instanceof Caller.BindPending) {
      out.add("task_bind");
      return out;
    }
    if (caller instanceof Caller.AgentKey k) {
      out.add("task_create");
      if (k.policy().grant().delegate()) {
        out.add("task_delegate");
      }
      out.addAll(List.of("task_info", "task_list", "task_revoke", "task_reissue"));
      return out;
    }
    Caller.TaskToken t = (Caller.TaskToken) caller;
    Envelope e = t.effective();
    if (e.delegate() && t.principal().depth() < Math.min(e.maxDepth(), Envelope.MAX_DEPTH)) {
      out.add("task_delegate");
    }
    if (t.principal().holder() == null) {
      out.add("task_bind");
    }
    out.addAll(List.of("task_info", "task_list", "task_revoke", "task_reissue"));
    return out;
  }

  JsonArray visible(Caller caller) {
    JsonArray a = new JsonArray();
    for (String n : visibleNames(caller)) {
      a.add(tools.get(n).copy());
    }
    return a;
  }
}
