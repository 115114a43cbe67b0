package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tables and trees for the admin commands' human output. */
final class AdminOutput {
  private AdminOutput() {}

  /** Prints rows as aligned columns under {@code headers}. */
  static void table(PrintStream out, List<String> headers, List<List<String>> rows) {
    int[] w = new int[headers.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = headers.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    out.println(line(headers, w));
    for (List<String> r : rows) {
      out.println(line(r, w));
    }
  }

  private static String line(List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      b.append(cells.get(i));
      if (i < cells.size() - 1) {
        b.append(" ".repeat(w[i] - cells.get(i).length() + 2));
      }
    }
    return b.toString().stripTrailing();
  }

  /** A task tree (records with task_id and parent_id), children under parents, oldest first. */
  static void tree(PrintStream out, JsonArray tasks, String highlight) {
    Map<String, List<JsonObject>> children = new HashMap<>();
    List<JsonObject> roots = new ArrayList<>();
    Map<String, JsonObject> byId = new HashMap<>();
    for (Object o : tasks) {
      JsonObject t = (JsonObject) o;
      byId.put(t.getString("task_id"), t);
    }
    for (Object o : tasks) {
      JsonObject t = (JsonObject) o;
      String parent = t.getString("parent_id");
      if (parent == null || !byId.containsKey(parent)) {
        roots.add(t);
      } else {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(t);
      }
    }
    for (JsonObject r : roots) {
      print(out, r, "", "", children, highlight, 0);
    }
  }

  private static void print(PrintStream out, JsonObject t, String lead, String childLead,
      Map<String, List<JsonObject>> children, String highlight, int depth) {
    String id = t.getString("task_id");
    out.println(lead + id + "  " + t.getString("agent") + "  " + t.getString("status")
        + "  expires " + t.getString("expires_at") + (id.equals(highlight) ? "   <==" : ""));
    if (depth > 8) {
      return;
    }
    List<JsonObject> kids = children.getOrDefault(id, List.of());
    for (int i = 0; i < kids.size(); i++) {
      boolean last = i == kids.size() - 1;
      print(out, kids.get(i), childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), children,
          highlight, depth + 1);
    }
  }

  static String str(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null ? "-" : String.valueOf(v);
  }

  static String shortHash(String h) {
    if (h == null) {
      return "-";
    }
    return h.length() > 16 ? h.substring(0, 16) : h;
  }
}
