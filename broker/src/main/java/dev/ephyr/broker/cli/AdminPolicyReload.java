package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr admin policy-reload}: re-reads the policy file on one node or all. */
final class AdminPolicyReload extends AdminCommand {
  @Override
  public String name() {
    return "admin policy-reload";
  }

  @Override
  public String summary() {
    return "reload the policy file on one node or on all nodes";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin policy-reload (--node ID | --all) [--json]

        Makes the node(s) re-read their policy file now (they also do on file change). A bad file is
        refused as a whole and the old policy stays in force; the reason is shown. Exit code 1 if any
        node refused its file or did not answer.
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
    JsonObject r = client.post("/admin/policy/reload", new JsonObject().put("node",
        args.flag("--all") ? "all" : args.option("--node")));
    if (!Boolean.TRUE.equals(r.getValue("all_ok"))) {
      render(r, args, io);
      throw CliException.failed("some nodes kept their old policy (see above)");
    }
    return r;
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      if (n.containsKey("error")) {
        rows.add(List.of(n.getString("node"), "REFUSED", n.getString("error") + ": " + n.getString("message", "")));
      } else {
        rows.add(List.of(n.getString("node"), Boolean.TRUE.equals(n.getValue("changed")) ? "reloaded" : "unchanged",
            AdminOutput.shortHash(n.getString("policy_hash"))));
      }
    }
    AdminOutput.table(io.out(), List.of("NODE", "RESULT", "POLICY"), rows);
  }
}
