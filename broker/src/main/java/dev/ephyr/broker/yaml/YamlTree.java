package dev.ephyr.broker.yaml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Turns configuration text (a policy, a node config) into a SnakeYAML node tree, which keeps line numbers,
 * and hashes it canonically.
 */
public final class YamlTree {

  /** Deepest nesting accepted; the policy schema needs five levels, so anything far deeper is a mistake. */
  public static final int MAX_NESTING = 20;

  private YamlTree() {}

  /**
   * Composes one YAML document, refusing anchors, aliases and explicit tags (configuration has no use for
   * them, and aliases are how "billion laughs" documents blow up). Returns {@code null} for an empty document.
   * {@code kind} names the documents in messages ("policy files").
   */
  public static Node compose(String text, String source, String kind) throws YamlProblems {
    Yaml yaml = newYaml(text.length());
    try {
      for (Event e : yaml.parse(new StringReader(text))) {
        if (e instanceof AliasEvent) {
          throw located(source, e.getStartMark(), "aliases (*name) are not supported in " + kind);
        }
        if (e instanceof NodeEvent ne && ne.getAnchor() != null) {
          throw located(source, e.getStartMark(), "anchors (&name) are not supported in " + kind);
        }
        String tag = e instanceof ScalarEvent se ? se.getTag()
            : e instanceof CollectionStartEvent ce ? ce.getTag() : null;
        if (tag != null && !tag.equals("!")) {
          throw located(source, e.getStartMark(), "explicit YAML tags (" + tag + ") are not supported in " + kind);
        }
      }
      return newYaml(text.length()).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getContext();
      String context = e.getContext() != null && e.getProblem() != null ? e.getContext() + ": " : "";
      throw located(source, mark, "invalid YAML: " + context + oneLine(what));
    } catch (YAMLException e) {
      String m = oneLine(e.getMessage());
      if (m.contains("Nesting Depth exceeded")) {
        m = "nesting is deeper than " + MAX_NESTING + " levels";
      } else if (m.contains("code points")) {
        m = "the document is too large";
      }
      throw YamlProblems.of(source, 0, "invalid YAML: " + m);
    }
  }

  private static Yaml newYaml(int length) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // duplicates are reported by the parser with both lines
    options.setMaxAliasesForCollections(0);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(MAX_NESTING);
    options.setCodePointLimit(Math.max(length + 1, 1024));
    options.setMergeOnCompose(false);
    DumperOptions dumper = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
  }

  private static YamlProblems located(String source, Mark mark, String message) {
    return YamlProblems.of(source, mark == null ? 0 : mark.getLine() + 1, message);
  }

  private static String oneLine(String s) {
    return s == null ? "unreadable document" : s.replaceAll("\\s+", " ").trim();
  }

  /** 1-based line where {@code node} starts. */
  public static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  /**
   * SHA-256 hex over a canonical JSON rendering of the tree: mapping keys sorted, scalars as their text,
   * comments and layout gone. Two files that say the same thing hash the same.
   */
  public static String canonicalHash(Node root) {
    try {
      byte[] json = new ObjectMapper().writeValueAsBytes(canonical(root));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("canonical policy rendering failed", e);
    }
  }

  private static Object canonical(Node node) {
    if (node == null) {
      return null;
    }
    if (node instanceof MappingNode m) {
      Map<String, Object> out = new TreeMap<>();
      for (NodeTuple t : m.getValue()) {
        Object key = canonical(t.getKeyNode());
        out.put(String.valueOf(key), canonical(t.getValueNode()));
      }
      return out;
    }
    if (node instanceof SequenceNode s) {
      List<Object> out = new ArrayList<>(s.getValue().size());
      for (Node n : s.getValue()) {
        out.add(canonical(n));
      }
      return out;
    }
    ScalarNode scalar = (ScalarNode) node;
    return scalar.getTag().equals(Tag.NULL) ? null : scalar.getValue();
  }
}
