package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code ephyr admin reissue -}: a fresh token for a task whose token leaked; old copies die. */
final class AdminReissue extends AdminCommand {
  @Override
  public String name() {
    return "admin reissue";
  }

  @Override
  public String summary() {
    return "reissue a task's token (old copies die, the task lives); token on stdin";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin reissue - < token.txt [--json]

        Reissues the task of the token read from stdin (never from the command line): its watermark moves
        to the next epoch, so every existing copy of its token (and tokens of its subtree) is refused, and
        a fresh token is printed on stdout for the task's owner. A holder-bound token can only be
        reissued by its holder (task_reissue with a proof); revoke it instead.
        """;
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    List<String> pos = args.positionals(1, 1, "'-' (the token is read from stdin)");
    if (!pos.get(0).equals("-")) {
      throw CliException.usage(name(), "pass the token on stdin, not as an argument: ephyr admin reissue - < token.txt");
    }
    String token = Stdin.readValue(io, 16384, name(), "token");
    return client.post("/admin/reissue", new JsonObject().put("token", token));
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    io.err().println("reissued " + r.getString("task_id") + " at epoch " + r.getValue("epoch") + "; acknowledged by "
        + r.getValue("acknowledged") + "/" + r.getValue("members") + " member(s). New token (a secret) on stdout:");
    io.out().println(r.getString("token"));
  }
}
