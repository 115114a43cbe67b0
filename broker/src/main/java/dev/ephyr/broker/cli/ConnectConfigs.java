package dev.ephyr.broker.cli;

import java.util.List;

/** The client configurations that run {@code ephyr connect}: Claude Code, Cursor, VS Code and Codex. */
final class ConnectConfigs {
  private ConnectConfigs() {}

  /** The configuration for {@code client}, or {@code null} when the client is not known. */
  static String render(String client, String server, String command, List<String> args) {
    switch (client) {
      case "claude":
        StringBuilder b = new StringBuilder("claude mcp add ").append(server).append(" -- ").append(shell(command));
        for (String a : args) {
          b.append(' ').append(shell(a));
        }
        return b.append('\n').toString();
      case "cursor":
        return "{\n  \"mcpServers\": {\n    " + json(server) + ": {\n      \"command\": " + json(command)
            + ",\n      \"args\": " + jsonArray(args) + "\n    }\n  }\n}\n";
      case "vscode":
        return "{\n  \"servers\": {\n    " + json(server) + ": {\n      \"type\": \"stdio\",\n      \"command\": "
            + json(command) + ",\n      \"args\": " + jsonArray(args) + "\n    }\n  }\n}\n";
      case "codex":
        return "[mcp_servers." + server + "]\ncommand = " + json(command) + "\nargs = " + jsonArray(args) + "\n";
      default:
        return null;
    }
  }

  private static String shell(String s) {
    if (s.matches("[A-Za-z0-9_./:=@%+-]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  // Also valid TOML basic strings: the same escapes.
  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static String jsonArray(List<String> items) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(json(items.get(i)));
    }
    return b.append(']').toString();
  }
}
