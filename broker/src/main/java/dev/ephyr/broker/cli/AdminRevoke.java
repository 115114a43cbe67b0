package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code ephyr admin revoke TASK}: revokes a task and its subtree on every node. */
final class AdminRevoke extends AdminCommand {
  @Override
  public String name() {
    return "admin revoke";
  }

  @Override
  public String summary() {
    return "revoke a task and its whole subtree on every node (acknowledged)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin revoke TASK [--json]

        Revokes TASK: every token of it and of every task below it is refused by every node from the
        moment the command returns "acknowledged by all". Revocation is final (use reissue for a leaked
        token of a task that should go on). Exit code 1 if some member did not acknowledge in time.
        """;
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    List<String> pos = args.positionals(1, 1, "task id");
    JsonObject r = client.post("/admin/tasks/" + TaskIds.check(name(), pos.get(0)) + "/revoke", new JsonObject());
    if (!Boolean.TRUE.equals(r.getValue("acknowledged_by_all"))) {
      io.err().println("warning: not every member acknowledged: missing " + r.getValue("missing")
          + "; the revocation is stored and reaches them when they catch up");
    }
    return r;
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    io.out().println("revoked " + r.getString("task_id") + " and its " + r.getValue("cascade_count")
        + " descendant(s); acknowledged by " + r.getValue("acknowledged") + "/" + r.getValue("members")
        + " member(s)" + (Boolean.TRUE.equals(r.getValue("acknowledged_by_all")) ? " (all)" : ""));
  }
}
