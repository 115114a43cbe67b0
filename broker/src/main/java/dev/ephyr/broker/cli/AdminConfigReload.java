package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** {@code ephyr admin config-reload}: re-reads the node configuration file on one node or all. */
final class AdminConfigReload extends AdminReload {
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
  String path() {
    return "/admin/config/reload";
  }

  @Override
  String keptWhat() {
    return "some nodes kept their configuration";
  }

  @Override
  String column() {
    return "SETTINGS";
  }

  @Override
  int exitCode(JsonObject answer) {
    return Boolean.TRUE.equals(answer.getValue("restart_needed")) ? RESTART_NEEDED : 0;
  }

  @Override
  List<String> row(JsonObject n) {
    List<String> applied = keys(n.getJsonArray("applied"));
    List<String> restart = keys(n.getJsonArray("needs_restart"));
    String what = applied.isEmpty() ? "" : "applied " + String.join(", ", applied);
    if (!restart.isEmpty()) {
      what += (what.isEmpty() ? "" : "; ") + "needs restart (not applied): " + String.join(", ", restart);
    }
    return List.of(n.getString("node"), applied.isEmpty() && restart.isEmpty() ? "unchanged"
        : restart.isEmpty() ? "reloaded" : "RESTART", what);
  }

  private static List<String> keys(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(k -> out.add(String.valueOf(k)));
    }
    return out;
  }
}
