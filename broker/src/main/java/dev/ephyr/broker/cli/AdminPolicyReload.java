package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code ephyr admin policy-reload}: re-reads the policy file on one node or all. */
final class AdminPolicyReload extends AdminReload {
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
  String path() {
    return "/admin/policy/reload";
  }

  @Override
  String keptWhat() {
    return "some nodes kept their old policy";
  }

  @Override
  String column() {
    return "POLICY";
  }

  @Override
  List<String> row(JsonObject n) {
    return List.of(n.getString("node"), Boolean.TRUE.equals(n.getValue("changed")) ? "reloaded" : "unchanged",
        AdminOutput.shortHash(n.getString("policy_hash")));
  }
}
