package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr admin tasks}: tasks of an agent or of a tree. */
final class AdminTasks extends AdminCommand {
  @Override
  public String name() {
    return "admin tasks";
  }

  @Override
  public String summary() {
    return "list tasks by agent or by root task, active or revoked";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin tasks (--agent NAME | --root TASK) [--status active|revoked|all] [--json]

        Lists the tasks of an agent, or of the tree under a root task (default: active ones only).
        """;
  }

  @Override
  List<OptionSpec> ownOptions() {
    return List.of(Options.value("--agent", "NAME", "the tasks of this agent"),
        Options.value("--root", "TASK", "the tasks of the tree under this root task"),
        Options.value("--status", "STATUS", "active (default), revoked or all"));
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    args.positionals(0, 0, "");
    if ((args.option("--agent") == null) == (args.option("--root") == null)) {
      throw CliException.usage(name(), "give exactly one of --agent NAME or --root TASK");
    }
    Map<String, String> q = new LinkedHashMap<>();
    q.put("agent", args.option("--agent"));
    q.put("root", args.option("--root"));
    q.put("status", args.option("--status"));
    return client.get("/admin/tasks", q);
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("tasks", new JsonArray())) {
      JsonObject t = (JsonObject) o;
      rows.add(List.of(t.getString("task_id"), t.getString("agent"), AdminOutput.str(t, "depth"),
          AdminOutput.str(t, "parent_id"), t.getString("status"), AdminOutput.str(t, "expires_at")));
    }
    if (rows.isEmpty()) {
      io.out().println("no tasks" + (args.option("--status") == null ? " active (add --status all to see all)" : ""));
      return;
    }
    AdminOutput.table(io.out(), List.of("TASK", "AGENT", "DEPTH", "PARENT", "STATUS", "EXPIRES"), rows);
    if (Boolean.TRUE.equals(r.getValue("truncated"))) {
      io.out().println("(more tasks exist than the listing limit)");
    }
  }
}
