package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/**
 * An admin command that makes one node or all re-read a file ({@code policy-reload}, {@code config-reload}): the
 * same options, call and refusal rows; what a node that took the file reports differs.
 */
abstract class AdminReload extends AdminCommand {
  /** The admin API path that reloads. */
  abstract String path();

  /** Why the command fails when a node refused or did not answer, e.g. "some nodes kept their old policy". */
  abstract String keptWhat();

  /** The third column's title: what a node that reloaded reports. */
  abstract String column();

  /** A node's row when it took the file: node, result, the third column. */
  abstract List<String> row(JsonObject node);

  @Override
  final List<OptionSpec> ownOptions() {
    return List.of(Options.value("--node", "ID", "the node that reloads"),
        Options.flag("--all", "every node reloads"));
  }

  @Override
  final JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    args.positionals(0, 0, "");
    if (args.flag("--all") == (args.option("--node") != null)) {
      throw CliException.usage(name(), "give --node ID or --all");
    }
    JsonObject r = client.post(path(), new JsonObject().put("node", args.flag("--all") ? "all" : args.option("--node")));
    if (!Boolean.TRUE.equals(r.getValue("all_ok"))) {
      render(r, args, io);
      throw CliException.failed(keptWhat() + " (see above)");
    }
    return r;
  }

  @Override
  final void render(JsonObject r, Args args, Io io) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      if (n.containsKey("error")) {
        // A refused file may list its problems one per line: one row, problems separated by "; ".
        rows.add(List.of(n.getString("node"), "REFUSED", n.getString("error") + ": "
            + n.getString("message", "").replaceAll("\\s*\n\\s*", "; ")));
      } else {
        rows.add(row(n));
      }
    }
    AdminOutput.table(io.out(), List.of("NODE", "RESULT", column()), rows);
  }
}
