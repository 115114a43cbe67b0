package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.ProblemReader;
import dev.ephyr.broker.yaml.ProblemReader.Section;
import dev.ephyr.cluster.Durations;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The policy's own kinds of value on top of the generic {@link ProblemReader}: name sets that must resolve
 * to declared entries, HTTP methods, tool patterns, durations, sizes and URLs. Also the one opening every
 * section entry shares ({@link #entry}).
 */
final class PolicyValues {
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  // No "__" and no trailing "_" in remote names: "__" separates the remote from the tool in federated names.
  static final Pattern REMOTE_NAME = Pattern.compile("(?=.{1,64}$)[A-Za-z0-9](?:_?[A-Za-z0-9-])*");
  private static final Pattern DURATION_SHAPE = Pattern.compile("(?:[0-9]+(?:d|h|m|s|ms))+");

  static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** Spellings from the original system's schema, pointed at ours. */
  private static final Map<String, String> RENAMED = Map.of("api_key_hash", "api_keys (a list of sha256: hashes)",
      "inherits", "templates", "allowed_roles", "roles", "max_ttl", "max_task_ttl or cert_ttl",
      "ssh", "targets and roles");

  /** Keys that look like a secret written inline where only a reference is allowed. */
  private static final Set<String> INLINE_SECRET_KEYS =
      Set.of("secret", "token", "password", "value", "key", "api_key", "credential", "bearer");

  /** A name used in one section that must be declared in another. */
  record Reference(String section, String name, Node node, String where) {}

  final ProblemReader reader;
  final List<Reference> references = new ArrayList<>();

  PolicyValues(ProblemReader reader) {
    this.reader = reader;
  }

  void problem(Node at, String message) {
    reader.problem(at, message);
  }

  /** A mapping with the policy's unknown-key explanations (renamed keys, inline secrets). */
  Section section(Node node, String where, List<String> allowed) {
    return reader.section(node, where, allowed, PolicyValues::unknownKey);
  }

  private static String unknownKey(String key, String where, List<String> allowed) {
    if (INLINE_SECRET_KEYS.contains(key) && allowed.contains("secret_env")) {
      return "inline secret '" + key + "' in " + where
          + ": policy files hold references only; write secret_env: VAR or secret_file: /path";
    }
    String renamed = RENAMED.get(key);
    String firstWord = renamed == null ? null : renamed.split(" ")[0];
    return renamed != null && allowed.contains(firstWord)
        ? "unknown key '" + key + "' in " + where + " (this policy format calls it " + renamed + ")" : null;
  }

  /**
   * The opening every section entry shares: {@code node} must be a mapping of {@code keys}; {@code body}
   * reads it; an entry with any problem of its own gives {@code null} (its problems are recorded).
   */
  <T> T entry(Node node, String where, List<String> keys, BiFunction<Section, String, T> body) {
    Section s = section(node, where, keys);
    if (s == null) {
      return null;
    }
    int before = reader.count();
    T value = body.apply(s, where);
    return reader.count() > before ? null : value;
  }

  /** Either {@code "*"} or a list; a list holding only {@code "*"} also means all. */
  List<ScalarNode> starOrList(Node n, String where) {
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.STR) && sc.getValue().equals("*")) {
      return null;
    }
    if (n instanceof ScalarNode && !ProblemReader.isNull(n)) {
      problem(n, where + " must be a list or \"*\", got " + ProblemReader.describe(n));
      return List.of();
    }
    List<ScalarNode> items = reader.strings(n, where);
    boolean star = false;
    for (ScalarNode i : items) {
      if (i.getValue().equals("*")) {
        star = true;
        if (items.size() > 1) {
          problem(i, where + ": \"*\" already means all; do not mix it with names");
          return List.of();
        }
      }
    }
    return star ? null : items;
  }

  /** A set of names, each checked against {@code section} once all sections are known; absent is none. */
  IdSet idSet(Node n, String where, String section) {
    if (n == null) {
      return IdSet.NONE;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return IdSet.ALL;
    }
    Set<String> names = new LinkedHashSet<>();
    referenced(items, where, section, section.equals("remotes") ? REMOTE_NAME : NAME, names);
    if (names.size() > IdSet.MAX_ELEMENTS) {
      problem(n, where + " names more than " + IdSet.MAX_ELEMENTS + " " + section + "; use \"*\" or fewer names");
      return IdSet.NONE;
    }
    return names.isEmpty() ? IdSet.NONE : IdSet.of(names);
  }

  /** Like {@link #idSet} but keeps {@code "*"} as an element (for delegate_to, templates, target roles). */
  Set<String> nameList(Node n, String where, String section) {
    if (n == null) {
      return Set.of();
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return Set.of("*");
    }
    Set<String> names = new TreeSet<>();
    referenced(items, where, section, NAME, names);
    return names;
  }

  /** Adds each well-formed name of {@code items} to {@code into}, to be resolved in {@code section} later. */
  private void referenced(List<ScalarNode> items, String where, String section, Pattern pattern, Set<String> into) {
    for (ScalarNode i : items) {
      if (!pattern.matcher(i.getValue()).matches()) {
        problem(i, "bad name '" + i.getValue() + "' in " + where);
      } else if (into.add(i.getValue())) {
        references.add(new Reference(section, i.getValue(), i, where));
      } else {
        problem(i, "'" + i.getValue() + "' is listed twice in " + where);
      }
    }
  }

  IdSet methods(Node n, String where, IdSet dflt) {
    if (n == null) {
      return dflt;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return IdSet.ALL;
    }
    Set<String> out = new TreeSet<>();
    for (ScalarNode i : items) {
      String m = i.getValue();
      if (!HTTP_METHODS.contains(m)) {
        String upper = m.toUpperCase(Locale.ROOT);
        problem(i, "unknown HTTP method '" + m + "' in " + where
            + (HTTP_METHODS.contains(upper) ? " (did you mean '" + upper + "'?)"
            : ProblemReader.hint(m, HTTP_METHODS)));
      } else if (!out.add(m)) {
        problem(i, "'" + m + "' is listed twice in " + where);
      }
    }
    return out.isEmpty() ? IdSet.NONE : IdSet.of(out);
  }

  ToolGrant tools(Node n, String where) {
    if (n == null) {
      return ToolGrant.NONE;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return ToolGrant.ALL;
    }
    Set<String> out = new TreeSet<>();
    for (ScalarNode i : items) {
      String p = i.getValue();
      if (!ToolGrant.isPattern(p)) {
        problem(i, "bad tool pattern '" + p + "' in " + where + ": expected remote__tool, remote__prefix_*, remote.tool or \"*\"");
      } else if (!out.add(p)) {
        problem(i, "'" + p + "' is listed twice in " + where);
      } else {
        references.add(new Reference("remotes", ToolGrant.remoteOf(p), i, where));
      }
    }
    if (out.size() > IdSet.MAX_ELEMENTS) {
      problem(n, where + " has more than " + IdSet.MAX_ELEMENTS + " patterns; use globs or \"*\"");
      return ToolGrant.NONE;
    }
    return out.isEmpty() ? ToolGrant.NONE : ToolGrant.of(out);
  }

  /** A duration in the one spelling of {@link Durations} (a quoted or plain string), within bounds. */
  Duration duration(Node n, String where, Duration min, Duration max) {
    if (n == null) {
      return null;
    }
    if (!(n instanceof ScalarNode sc) || !sc.getTag().equals(Tag.STR)) {
      reader.problem(n, where + " must be a duration like 30s, 15m, 1h or 1h30m, got " + ProblemReader.describe(n)
          + (n instanceof ScalarNode sc2 && sc2.getTag().equals(Tag.INT) ? " (add a unit)" : ""));
      return null;
    }
    Duration d;
    try {
      // Policy durations are case-sensitive and without spaces, as they always were.
      d = DURATION_SHAPE.matcher(sc.getValue()).matches() ? Durations.parse(sc.getValue()) : null;
    } catch (IllegalArgumentException e) {
      d = null;
    }
    if (d == null) {
      problem(n, where + " must be a duration like 30s, 15m, 1h or 1h30m (units d, h, m, s), got '"
          + sc.getValue() + "'");
      return null;
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(n, where + " must be between " + format(min) + " and " + format(max) + ", got " + sc.getValue());
      return null;
    }
    return d;
  }

  static <T> T orDefault(T value, T dflt) {
    return value == null ? dflt : value;
  }

  /** A whole-second duration as the policy writes it ({@code 1h30m}). */
  static String format(Duration d) {
    return Durations.format(d);
  }
}
