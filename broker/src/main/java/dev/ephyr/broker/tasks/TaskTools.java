package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tools.ToolSchemas.bool;
import static dev.ephyr.broker.tools.ToolSchemas.integer;
import static dev.ephyr.broker.tools.ToolSchemas.names;
import static dev.ephyr.broker.tools.ToolSchemas.str;
import static dev.ephyr.broker.tools.ToolSchemas.tool;
import static dev.ephyr.broker.tools.ToolSchemas.typed;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.caveat.Envelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The task tools ({@code task_*}) as MCP tools: their schemas, who sees which, and the calls. */
public final class TaskTools implements ToolProvider {
  private final TaskService tasks;
  private final Map<String, JsonObject> tools = new LinkedHashMap<>();

  /** The task tools over {@code tasks}. */
  public TaskTools(TaskService tasks) {
    this.tasks = tasks;
    JsonObject envelope = typed("object", "Narrow the envelope; each dimension given is intersected, absent ones inherit.")
        .put("properties", new JsonObject()
            .put("targets", names("SSH targets")).put("roles", names("SSH roles"))
            .put("services", names("HTTP services")).put("methods", names("HTTP methods"))
            .put("remotes", names("federated MCP servers")).put("tools", names("federated tool patterns remote.tool")))
        .put("additionalProperties", false);
    JsonObject ttl = new JsonObject().put("type", new JsonArray().add("integer").add("string"))
        .put("description", "seconds, or a duration like 90s, 30m, 2h");
    add(tool(TaskTool.CREATE.toolName(), "Create a root task and mint its token (agent API key only).", new JsonObject()
        .put("description", str("what the task is for"))
        .put("ttl", ttl)
        .put("can_delegate", bool("whether the task may delegate (default false)"))
        .put("max_depth", integer("deepest lineage allowed below the root (0-5)", 0, 5))
        .put("envelope", envelope)
        .put("holder_jkt", str("bind now to this Ed25519 key (RFC 7638 thumbprint)"))
        .put("bind_within", integer("two-phase bind: seconds within which task_bind must be called", 1, 3600))
        .put("template", str("a policy template to start from")), List.of()));
    add(tool(TaskTool.DELEGATE.toolName(), "Create a child task with narrower authority (same agent or, if policy allows, another).",
        new JsonObject()
            .put("description", str("what the child task is for"))
            .put("agent", str("the child's agent (default: the same agent)"))
            .put("ttl", ttl)
            .put("can_delegate", bool("whether the child may delegate further (default false)"))
            .put("max_depth", integer("deepest lineage allowed", 0, 5))
            .put("envelope", envelope)
            .put("holder_jkt", str("bind the child now to this key"))
            .put("bind_within", integer("two-phase bind deadline in seconds", 1, 3600))
            .put("parent_token", str("with an API key: the parent task's token")), List.of()));
    add(tool(TaskTool.BIND.toolName(), "Bind this task to the key that signs this request's DPoP proof (once); unbound copies "
        + "of the token stop working.",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of()));
    add(tool(TaskTool.INFO.toolName(), "Show a task: lineage position, expiry, binding, status, envelope.",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of()));
    add(tool(TaskTool.LIST.toolName(), "List the tasks visible to the caller.",
        new JsonObject().put("include_inactive", bool("also list revoked and expired tasks")), List.of()));
    add(tool(TaskTool.REVOKE.toolName(), "Revoke a task and, with it, its whole subtree on every node (acknowledged).",
        new JsonObject().put("task_id", str("the task (default: the token's own)")), List.of()));
    add(tool(TaskTool.REISSUE.toolName(), "Mint a fresh token for a task and invalidate every older copy (for a leaked token).",
        new JsonObject().put("task_id", str("the task (default: the token's own)"))
            .put("token", str("with an API key: the task's current token")), List.of()));
  }

  private void add(JsonObject descriptor) {
    tools.put(descriptor.getString("name"), descriptor);
  }

  @Override
  public boolean owns(String name) {
    return tools.containsKey(name);
  }

  @Override
  public List<JsonObject> visible(Caller caller) {
    List<JsonObject> out = new ArrayList<>();
    for (TaskTool t : visibleTools(caller)) {
      out.add(tools.get(t.toolName()).copy());
    }
    return out;
  }

  private static List<TaskTool> visibleTools(Caller caller) {
    List<TaskTool> out = new ArrayList<>();
    if (caller instanceof Caller.BindPending) {
      out.add(TaskTool.BIND);
      return out;
    }
    if (caller instanceof Caller.AgentKey k) {
      out.add(TaskTool.CREATE);
      if (k.policy().grant().delegate()) {
        out.add(TaskTool.DELEGATE);
      }
      out.addAll(List.of(TaskTool.INFO, TaskTool.LIST, TaskTool.REVOKE, TaskTool.REISSUE));
      return out;
    }
    Caller.TaskToken t = (Caller.TaskToken) caller;
    Envelope e = t.effective();
    if (e.delegate() && t.principal().depth() < Math.min(e.maxDepth(), Envelope.MAX_DEPTH)) {
      out.add(TaskTool.DELEGATE);
    }
    if (t.principal().holder() == null) {
      out.add(TaskTool.BIND);
    }
    out.addAll(List.of(TaskTool.INFO, TaskTool.LIST, TaskTool.REVOKE, TaskTool.REISSUE));
    return out;
  }

  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    return tasks.call(name, caller, args, ctx);
  }
}
