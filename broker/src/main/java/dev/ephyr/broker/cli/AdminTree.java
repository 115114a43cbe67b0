package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** {@code ephyr admin tree TASK}: the whole tree holding a task. */
final class AdminTree extends AdminCommand {
  @Override
  public String name() {
    return "admin tree";
  }

  @Override
  public String summary() {
    return "show the task tree holding a task, with each task's status";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin tree TASK [--json]

        Shows the tree that TASK belongs to, from its root: each task's agent, status (active, revoked,
        revoked_ancestor, expired, awaiting_bind) and expiry. TASK is marked with <==.
        """;
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    List<String> pos = args.positionals(1, 1, "task id");
    return client.get("/admin/tasks/" + TaskIds.check(name(), pos.get(0)) + "/tree", Map.of());
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    io.out().println("Tree of root " + r.getString("root_id") + " (" + r.getValue("count") + " task(s)):");
    AdminOutput.tree(io.out(), r.getJsonArray("tasks", new JsonArray()), r.getString("task_id"));
  }
}
