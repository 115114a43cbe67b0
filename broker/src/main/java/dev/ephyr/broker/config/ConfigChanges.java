package dev.ephyr.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a configuration reload found changed, by key (never by value: some settings name secrets' files).
 *
 * @param applied reloadable settings whose new value is now in force
 * @param needsRestart settings that changed but take effect only when the node restarts (not applied)
 */
public record ConfigChanges(List<String> applied, List<String> needsRestart) {

  /** Copies the lists. */
  public ConfigChanges {
    applied = List.copyOf(applied);
    needsRestart = List.copyOf(needsRestart);
  }

  /** The keys whose text differs between {@code running} and {@code read}, sorted, split by how they change. */
  static ConfigChanges between(NodeConfig running, NodeConfig read) {
    TreeSet<String> keys = new TreeSet<>(running.values().keySet());
    keys.addAll(read.values().keySet());
    List<String> applied = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    for (String k : keys) {
      if (!same(running.values(), read.values(), k)) {
        Setting s = Settings.named(k);
        (s != null && s.change() == Setting.Change.RELOAD ? applied : restart).add(k);
      }
    }
    return new ConfigChanges(applied, restart);
  }

  private static boolean same(Map<String, String> a, Map<String, String> b, String key) {
    String x = a.getOrDefault(key, "");
    String y = b.getOrDefault(key, "");
    return x.equals(y);
  }

  /** Whether nothing changed at all. */
  public boolean none() {
    return applied.isEmpty() && needsRestart.isEmpty();
  }

  /** One line for logs and audit: the changed keys, never their values. */
  public String summary() {
    if (none()) {
      return "no setting changed";
    }
    StringBuilder b = new StringBuilder();
    if (!applied.isEmpty()) {
      b.append("applied: ").append(String.join(", ", applied));
    }
    if (!needsRestart.isEmpty()) {
      b.append(b.length() > 0 ? "; " : "").append("needs restart (not applied): ").append(String.join(", ", needsRestart));
    }
    return b.toString();
  }
}
