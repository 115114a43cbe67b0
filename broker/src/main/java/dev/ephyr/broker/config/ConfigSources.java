package dev.ephyr.broker.config;

import dev.ephyr.broker.config.Values.Raw;
import dev.ephyr.broker.yaml.Problem;
import dev.ephyr.broker.yaml.ProblemReader;
import dev.ephyr.broker.yaml.YamlProblems;
import dev.ephyr.broker.yaml.YamlTree;
import dev.ephyr.cluster.ClusterConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Gathers the text of every setting from its sources, later ones winning: the YAML file (nested or dotted
 * keys, lists joined with commas, {@code ~} meaning "the default"), then {@code EPHYR_*} environment
 * variables, or the values set in code. Each value remembers where it came from; unknown keys are problems.
 */
final class ConfigSources {
  private static final long MAX_FILE = 1024 * 1024;
  private static final String ENV_CLUSTER = "EPHYR_CLUSTER_";
  private static final String BUILDER = "builder";

  private final Map<String, Raw> values = new LinkedHashMap<>();
  private final List<Problem> problems = new ArrayList<>();

  /** Every key a node config accepts: the table's and the cluster's. */
  private static List<String> knownKeys() {
    TreeSet<String> all = new TreeSet<>(ClusterConfig.KEYS);
    Settings.ALL.forEach(s -> all.add(s.name()));
    return List.copyOf(all);
  }

  private static boolean known(String key) {
    return Settings.named(key) != null || ClusterConfig.KEYS.contains(key);
  }

  /** Reads {@code yaml}; a file that cannot be read or parsed at all is a {@link ConfigException} at once. */
  void readFile(Path yaml) throws ConfigException {
    String source = yaml.toString();
    String text;
    try {
      if (!Files.isRegularFile(yaml)) {
        throw new ConfigException(source + ": no such file");
      }
      if (Files.size(yaml) > MAX_FILE) {
        throw new ConfigException(source + ": larger than 1 MiB");
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(yaml))).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(source + ": not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException(source + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
    Node root;
    try {
      root = YamlTree.compose(text, source, "configuration files");
    } catch (YamlProblems e) {
      throw new ConfigException(e.problems());
    }
    if (root == null || ProblemReader.isNull(root)) {
      return;
    }
    ProblemReader reader = new ProblemReader(source);
    if (!(root instanceof MappingNode m)) {
      reader.problem(root, "the top level must be a mapping of settings (http: {port: 8554} or http.port: 8554)");
    } else {
      flatten("", m, reader, new HashMap<>());
    }
    problems.addAll(reader.problems());
  }

  private void flatten(String prefix, MappingNode m, ProblemReader reader, Map<String, Integer> firstLine) {
    for (NodeTuple t : m.getValue()) {
      String name = reader.keyText(t.getKeyNode(), prefix.isEmpty() ? "the top level" : prefix);
      if (name == null) {
        continue;
      }
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      Node v = t.getValueNode();
      int line = YamlTree.line(t.getKeyNode());
      if (v instanceof MappingNode nested) {
        flatten(key, nested, reader, firstLine);
        continue;
      }
      if (firstLine.containsKey(key)) {
        reader.problem(t.getKeyNode(), "'" + key + "' is set twice (first at line " + firstLine.get(key) + ")");
        continue;
      }
      firstLine.put(key, line);
      if (!known(key)) {
        reader.problem(t.getKeyNode(), "unknown setting '" + key + "'" + ProblemReader.hint(key, knownKeys()));
      } else if (v instanceof SequenceNode seq) {
        List<String> parts = new ArrayList<>();
        for (Node item : seq.getValue()) {
          if (item instanceof ScalarNode sc && !ProblemReader.isNull(sc)) {
            parts.add(sc.getValue());
          } else {
            reader.problem(item, key + " must be a list of plain values, got " + ProblemReader.describe(item));
          }
        }
        values.put(key, new Raw(String.join(",", parts), reader.source(), line));
      } else if (ProblemReader.isNull(v)) {
        values.remove(key); // "~" means the default
      } else {
        values.put(key, new Raw(((ScalarNode) v).getValue(), reader.source(), line));
      }
    }
  }

  /**
   * Lets {@code EPHYR_<KEY>} override every setting and every cluster key: {@code http.port} ⇐
   * {@code EPHYR_HTTP_PORT}; any {@code EPHYR_CLUSTER_*} names a cluster key.
   */
  void readEnvironment(Map<String, String> env) {
    List<String> keys = new ArrayList<>();
    Settings.ALL.forEach(s -> keys.add(s.name()));
    for (String key : keys) {
      String value = env.get(NodeConfig.envName(key));
      if (value != null) {
        values.put(key, new Raw(value.trim(), NodeConfig.envName(key), 0));
      }
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
      if (e.getKey().startsWith(ENV_CLUSTER)) {
        String key = "cluster." + e.getKey().substring(ENV_CLUSTER.length()).toLowerCase(Locale.ROOT).replace('_', '-');
        if (known(key)) {
          values.put(key, new Raw(e.getValue().trim(), e.getKey(), 0));
        } else {
          problems.add(new Problem(e.getKey(), 0, "unknown setting '" + key + "'"
              + ProblemReader.hint(key, ClusterConfig.KEYS)));
        }
      }
    }
  }

  /** A value set in code ({@link NodeConfig.Builder}). */
  void set(String key, String value) {
    if (!known(key)) {
      problems.add(new Problem(BUILDER, 0, "unknown setting '" + key + "'" + ProblemReader.hint(key, knownKeys())));
    } else if (value == null) {
      values.remove(key);
    } else {
      values.put(key, new Raw(value.trim(), BUILDER, 0));
    }
  }

  /** Whether {@code key} has a value from some source. */
  boolean has(String key) {
    return values.containsKey(key);
  }

  Map<String, Raw> values() {
    return values;
  }

  List<Problem> problems() {
    return problems;
  }
}
