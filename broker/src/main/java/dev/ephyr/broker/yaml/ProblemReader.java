package dev.ephyr.broker.yaml;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Walks a parsed YAML tree and records every problem with its line instead of stopping at the first: each
 * reading method returns a value or, having recorded why not, {@code null} (or the given default), so one
 * pass reports everything wrong with a document. The schema (which keys, which ranges) is the caller's.
 */
public final class ProblemReader {
  /** Most problems kept; past this the document is not worth reading further. */
  public static final int MAX_PROBLEMS = 50;
  /** Most elements of one list. */
  public static final int MAX_LIST = 256;

  /** Explains a key that a {@link Section} does not allow; {@code null} means the generic message. */
  public interface UnknownKey {
    /** The message for {@code key} in {@code where}, or {@code null}. */
    String message(String key, String where, List<String> allowed);
  }

  private final String source;
  private final List<Problem> problems = new ArrayList<>();

  /** A reader whose problems name {@code source}. */
  public ProblemReader(String source) {
    this.source = source;
  }

  /** The file name as shown in problems. */
  public String source() {
    return source;
  }

  /** Records that {@code message} applies at {@code at} (its line; no node: the whole document). */
  public void problem(Node at, String message) {
    problemAt(at == null ? 0 : YamlTree.line(at), message);
  }

  /** Records {@code message} at {@code line} (0: the whole document). */
  public void problemAt(int line, String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(new Problem(source, line, message));
    }
  }

  /** How many problems have been recorded so far (to tell whether a part read cleanly). */
  public int count() {
    return problems.size();
  }

  /** The problems so far, in line order. */
  public List<Problem> problems() {
    List<Problem> out = new ArrayList<>(problems);
    out.sort((a, b) -> Integer.compare(a.line(), b.line()));
    return out;
  }

  /** A mapping with the keys {@code allowed}, or {@code null} (recorded) when {@code node} is not a mapping. */
  public Section section(Node node, String where, List<String> allowed, UnknownKey unknown) {
    if (!(node instanceof MappingNode m)) {
      problem(node, where + " must be a mapping of keys (" + String.join(", ", allowed) + "), got " + describe(node));
      return null;
    }
    return new Section(m, where, allowed, unknown);
  }

  /** The key text of a mapping entry, or {@code null} (recorded) when it is not a plain name. */
  public String keyText(Node key, String where) {
    if (key instanceof ScalarNode s && !isNull(s)) {
      return s.getValue();
    }
    problem(key, "keys in " + where + " must be plain names, got " + describe(key));
    return null;
  }

  /** A YAML boolean; absent gives {@code dflt}. */
  public boolean bool(Section s, String key, boolean dflt, String where) {
    Node n = s.value(key);
    if (n == null) {
      return dflt;
    }
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.BOOL)
        && (sc.getValue().equals("true") || sc.getValue().equals("false"))) {
      return sc.getValue().equals("true");
    }
    problem(n, where + "." + key + " must be true or false, got " + describe(n));
    return dflt;
  }

  /** A whole number within bounds. */
  public Integer integer(Node n, String where, int min, int max) {
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.INT) && sc.getValue().matches("[0-9]{1,9}")) {
      int v = Integer.parseInt(sc.getValue());
      if (v < min || v > max) {
        problem(n, where + " must be between " + min + " and " + max + ", got " + v);
        return null;
      }
      return v;
    }
    problem(n, where + " must be a whole number, got " + describe(n));
    return null;
  }

  /** A string that must be present. */
  public String requiredString(Section s, String key, String where) {
    if (s.value(key) == null) {
      problem(s.node(), "missing '" + key + "' in " + where);
      return null;
    }
    return optionalString(s, key, where);
  }

  /** A string of at most 4096 characters, or {@code null} when absent. */
  public String optionalString(Section s, String key, String where) {
    Node n = s.value(key);
    if (n == null) {
      return null;
    }
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.STR)) {
      if (sc.getValue().length() > 4096) {
        problem(n, where + "." + key + " is longer than 4096 characters");
        return null;
      }
      return sc.getValue();
    }
    problem(n, where + "." + key + " must be a string, got " + describe(n)
        + (n instanceof ScalarNode && !isNull(n) ? " (quote it if you mean the text)" : ""));
    return null;
  }

  /** A list of string scalars (a single string is not accepted: lists are always written as lists). */
  public List<ScalarNode> strings(Node n, String where) {
    List<ScalarNode> out = new ArrayList<>();
    if (!(n instanceof SequenceNode seq)) {
      problem(n, where + " must be a list, got " + describe(n));
      return out;
    }
    if (seq.getValue().size() > MAX_LIST) {
      problem(n, where + " has more than " + MAX_LIST + " elements");
      return out;
    }
    for (Node e : seq.getValue()) {
      if (e instanceof ScalarNode sc && sc.getTag().equals(Tag.STR)) {
        out.add(sc);
      } else {
        problem(e, "elements of " + where + " must be strings, got " + describe(e));
      }
    }
    return out;
  }

  /** Whether {@code n} is a YAML null ({@code ~}, {@code null} or nothing). */
  public static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  /** How a value is shown in a message: its kind, or its text cut at 40 characters. */
  public static String describe(Node n) {
    if (n == null) {
      return "nothing";
    }
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode s = (ScalarNode) n;
    Tag t = s.getTag();
    String v = s.getValue().length() > 40 ? s.getValue().substring(0, 40) + "…" : s.getValue();
    if (t.equals(Tag.NULL)) {
      return "nothing";
    }
    if (t.equals(Tag.BOOL)) {
      return "the boolean " + v;
    }
    if (t.equals(Tag.INT) || t.equals(Tag.FLOAT)) {
      return "the number " + v;
    }
    return "'" + v + "'";
  }

  /** {@code " (did you mean 'x'?)"} when one candidate is close, else empty. */
  public static String hint(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = EditDistance.of(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    int limit = word.length() <= 4 ? 1 : 2;
    return best != null && bestDistance <= limit ? " (did you mean '" + best + "'?)" : "";
  }

  /** A mapping with a fixed set of keys; unknown and duplicate keys are recorded as it is read. */
  public final class Section {
    private final MappingNode node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private Section(MappingNode node, String where, List<String> allowed, UnknownKey unknown) {
      this.node = node;
      for (NodeTuple t : node.getValue()) {
        String key = keyText(t.getKeyNode(), where);
        if (key == null) {
          continue;
        }
        NodeTuple first = entries.get(key);
        if (first != null) {
          problem(t.getKeyNode(), "duplicate key '" + key + "' in " + where + " (first at line "
              + YamlTree.line(first.getKeyNode()) + ")");
        } else if (!allowed.contains(key)) {
          String special = unknown == null ? null : unknown.message(key, where, allowed);
          problem(t.getKeyNode(), special != null ? special
              : "unknown key '" + key + "' in " + where + hint(key, allowed));
          entries.put(key, null); // remembered so a repeat is reported as a duplicate, not twice as unknown
        } else {
          entries.put(key, t);
        }
      }
    }

    /** The mapping itself (for problems about the whole entry). */
    public MappingNode node() {
      return node;
    }

    /** The value under {@code key}, or {@code null} when absent (or unknown). */
    public Node value(String key) {
      NodeTuple t = entries.get(key);
      return t == null ? null : t.getValueNode();
    }
  }
}
