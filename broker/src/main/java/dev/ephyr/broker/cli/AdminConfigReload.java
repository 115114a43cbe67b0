package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr admin config-reload}: re-reads the node configuration file on one node or all. */
final class AdminConfigReload extends AdminCommand {
  /** Exit code when every node answered but a changed setting waits for a restart. */
  static final int RESTART_NEEDED = 3;

  @Override
  public String name() {
    return "admin config-reload";
  }

  @Override
  public String summary() {
    return "reload the node configuration file on one node or on all nodes";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin config-reload (--node ID | --all) [--json]

        Makes the node(s) re-read their configuration file (and EPHYR_* environment as it was at start)
        and check it as at start. A file with any problem is refused as a whole: nothing changes and the
        problems are shown. Otherwise the settings marked "reload" in docs/operations.md section 8 take
        effect at once; changed settings marked "restart" are named and not applied. Exit code 1 if any
        node refused its file or did not answer, 3 if a changed setting waits for a restart.
        """;
  }

  @Override
  List<OptionSpec> ownOptions() {
    return List.of(Options.value("--node", "ID", "the node that reloads"),
        Options.flag("--all", "every node reloads"));
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    args.positionals(0, 0, "");
    if (args.flag("--all") == (args.option("--node") != null)) {
      throw CliException.usage(name(), "give --node ID or --all");
    }
    JsonObject r = client.post("/admin/config/reload", new JsonObject().put("node",
        args.flag("--all") ? "all" : args.option("--node")));
    if (!Boolean.TRUE.equals(r.getValue("all_ok"))) {
      render(r, args, io);
      throw CliException.failed("some nodes kept their configuration (see above)");
    }
    return r;
  }

  @Override
  int exitCode(JsonObject answer) {
    return Boolean.TRUE.equals(answer.getValue("restart_needed")) ? RESTART_NEEDED : 0;
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      if (n.containsKey("error")) {
        // A refused file lists its problems one per line: one row, problems separated by "; ".
        rows.add(List.of(n.getString("node"), "REFUSED", n.getString("error") + ": "
            + n.getString("message", "").replaceAll("\\s*\n\\s*", "; ")));
        continue;
      }
      List<String> applied = keys(n.getJsonArray("applied"));
      List<String> restart = keys(n.getJsonArray("needs_restart"));
      String what = applied.isEmpty() ? "" : "applied " + String.join(", ", applied);
      if (!restart.isEmpty()) {
        what += (what.isEmpty() ? "" : "; ") + "needs restart (not applied): " + String.join(", ", restart);
      }
      rows.add(List.of(n.getString("node"), applied.isEmpty() && restart.isEmpty() ? "unchanged"
          : restart.isEmpty() ? "reloaded" : "RESTART", what));
    }
    AdminOutput.table(io.out(), List.of("NODE", "RESULT", "SETTINGS"), rows);
  }

  private static List<String> keys(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(k -> out.add(String.valueOf(k)));
    }
    return out;
  }
}
