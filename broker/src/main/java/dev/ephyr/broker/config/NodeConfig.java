package dev.ephyr.broker.config;

import dev.ephyr.broker.config.Values.Raw;
import dev.ephyr.broker.yaml.Problem;
import dev.ephyr.cluster.ClusterConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The settings of one broker node, typed per capability, read and checked once at start-up from one YAML
 * file where every option has a default ({@link Settings}) and environment variables that override single
 * options ({@code http.port} ⇐ {@code EPHYR_HTTP_PORT}). Every problem is reported at once, with its file and
 * line or variable. The {@code cluster.*} keys of {@code ClusterConfig} pass through in {@link #cluster()}.
 *
 * @param node identity and files
 * @param http the front HTTP server
 * @param eventBus TLS between nodes' event buses
 * @param mcp the MCP endpoint
 * @param tasks task limits
 * @param dpop DPoP proof checking
 * @param vertx the Vert.x instance
 * @param ssh the SSH capability
 * @param audit the audit trail
 * @param admin the admin API
 * @param state the durable security state
 * @param cluster the {@code cluster.*} settings as text, for {@code ClusterConfig.fromMap}
 * @param values the text in force of every setting and {@code cluster.*} key (the default's where unset), by key:
 *     what a configuration reload compares
 */
public record NodeConfig(NodeSettings node, HttpSettings http, EventBusSettings eventBus, McpSettings mcp,
    TaskSettings tasks, DpopSettings dpop, VertxSettings vertx, SshSettings ssh, AuditTrailSettings audit,
    AdminSettings admin, StateSettings state, TracingSettings tracing, Map<String, String> cluster,
    Map<String, String> values) {

  /** Re-reads a node's configuration from where it first came, for a reload. */
  @FunctionalInterface
  public interface Reader {
    /** The configuration as its sources say now; every problem at once, as at start. */
    NodeConfig read() throws ConfigException;
  }

  /** A reader of {@code yaml} (may be absent) and {@code env}, the same as {@link #load}. */
  public static Reader reader(Path yaml, Map<String, String> env) {
    Map<String, String> fixed = Map.copyOf(env);
    return () -> load(yaml, fixed);
  }

  /** Reads {@code yaml} (which may be absent: then only defaults and {@code env} apply). */
  public static NodeConfig load(Path yaml, Map<String, String> env) throws ConfigException {
    ConfigSources sources = new ConfigSources();
    Path base = Path.of("").toAbsolutePath();
    if (yaml != null) {
      sources.readFile(yaml);
      base = yaml.toAbsolutePath().getParent();
    }
    sources.readEnvironment(env);
    return resolve(sources, base);
  }

  /** A builder starting from the defaults; relative paths resolve against the working directory. */
  public static Builder builder() {
    return new Builder();
  }

  /** The environment variable that overrides {@code key}: {@code EPHYR_} + key, upper case, {@code .-} → {@code _}. */
  public static String envName(String key) {
    return "EPHYR_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The node id ({@code node.id}, else {@code cluster.node-id}); {@code null} until {@link #withNodeIdDefault}. */
  public String nodeId() {
    return node.id();
  }

  /** This config, with a random node id if none is configured. */
  public NodeConfig withNodeIdDefault() {
    if (node.id() != null) {
      return this;
    }
    return new NodeConfig(new NodeSettings(randomId(), node.dataDir(), node.keyring(), node.policy()), http, eventBus,
        mcp, tasks, dpop, vertx, ssh, audit, admin, state, tracing, cluster, values);
  }

  /**
   * This configuration with the settings a reload may change ({@link Setting.Change#RELOAD}) taken from
   * {@code read}, every other one kept as it is.
   */
  NodeConfig withReloadable(NodeConfig read) {
    Map<String, String> merged = new TreeMap<>(values);
    for (Setting s : Settings.ALL) {
      if (s.change() == Setting.Change.RELOAD) {
        merged.put(s.name(), read.values.get(s.name()));
      }
    }
    HttpSettings h = new HttpSettings(http.host(), http.port(), http.publicUrl(), http.tlsCert(), http.tlsKey(),
        read.http.allowedOrigins(), http.bodyLimit(), http.maxHeaderSize(), http.instances(), http.idleTimeout(),
        http.requestTimeout());
    SshSettings s = new SshSettings(read.ssh.signerSocket(), ssh.signerTimeout(), ssh.signerProbeInterval(),
        ssh.defaultCertTtl(),
        ssh.maxCertTtl(), ssh.connectTimeout(), ssh.execTimeout(), ssh.maxExecTimeout(), ssh.outputLimit(),
        ssh.sessionIdle(), ssh.sessionMaxLifetime(), ssh.maxSessionsPerTask(), ssh.maxSessions(), ssh.sourceAddress());
    return new NodeConfig(node, h, eventBus, mcp, read.tasks, dpop, vertx, s, audit, admin, state, tracing,
        cluster, Map.copyOf(merged));
  }

  private static String randomId() {
    return "n-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static NodeConfig resolve(ConfigSources sources, Path base) throws ConfigException {
    List<Problem> problems = new ArrayList<>(sources.problems());
    Map<String, Raw> raw = sources.values();
    Values v = new Values(raw, base, problems);
    Map<String, String> cluster = new TreeMap<>();
    cluster.put(ClusterConfig.NAME, Settings.CLUSTER_NAME.dflt());
    raw.forEach((k, r) -> {
      if (k.startsWith("cluster.")) {
        cluster.put(k, r.text());
      }
    });
    v.text(Settings.CLUSTER_NAME); // checked like any other setting
    NodeSettings node = NodeSettings.read(v, cluster.get(ClusterConfig.NODE_ID));
    Path data = node.dataDir();
    NodeConfig c = new NodeConfig(node, HttpSettings.read(v), EventBusSettings.read(v), McpSettings.read(v),
        TaskSettings.read(v), DpopSettings.read(v), VertxSettings.read(v), SshSettings.read(v),
        AuditTrailSettings.read(v, data), AdminSettings.read(v), StateSettings.read(v, data), TracingSettings.read(v),
        Map.copyOf(cluster), texts(raw, cluster));
    checkCluster(cluster, raw, v);
    List<Problem> all = v.problems();
    if (!all.isEmpty()) {
      all.sort(Comparator.comparingInt(Problem::line)); // stable: sources keep their order
      throw new ConfigException(all);
    }
    return c;
  }

  /** The text of every setting as resolved (unset: its default, or empty), and every cluster key. */
  private static Map<String, String> texts(Map<String, Raw> raw, Map<String, String> cluster) {
    Map<String, String> out = new TreeMap<>(cluster);
    for (Setting s : Settings.ALL) {
      Raw r = raw.get(s.name());
      out.put(s.name(), r != null ? r.text() : s.dflt() == null ? "" : s.dflt());
    }
    return Map.copyOf(out);
  }

  /**
   * Checks the cluster keys now rather than when the node joins, so their problem is listed with the rest.
   * {@code ClusterConfig} stops at its first problem; it is placed at the line of the key it names.
   */
  private static void checkCluster(Map<String, String> cluster, Map<String, Raw> raw, Values v) {
    Map<String, String> probe = new TreeMap<>(cluster);
    probe.remove(ClusterConfig.STATE_DIR); // the node sets these from state.*
    probe.remove(ClusterConfig.STATE_MAX_BYTES);
    probe.putIfAbsent(ClusterConfig.NODE_ID, "probe");
    probe.put(ClusterConfig.KEYRING_FINGERPRINT, "probe"); // known only once the keyring is read
    probe.putIfAbsent(ClusterConfig.POLICY_HASH, "probe");
    try {
      ClusterConfig.fromMap(probe);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage() == null ? "invalid cluster setting" : e.getMessage();
      String named = ClusterConfig.KEYS.stream().filter(k -> raw.containsKey(k) && message.contains(k))
          .max(Comparator.comparingInt(String::length)).orElse(null);
      v.problem(named == null ? ClusterConfig.NAME : named, message);
    }
  }

  /** Builds a config in code (for {@code ./ephyr dev} and tests), by the same keys as the file. */
  public static final class Builder {
    private final ConfigSources sources = new ConfigSources();

    private Builder() {}

    /** Sets any key, e.g. {@code set("cluster.port", "5711")}; {@code null} restores the default. */
    public Builder set(String key, String value) {
      sources.set(key, value);
      return this;
    }

    /** Interface and port. */
    public Builder listen(String host, int port) {
      return set("http.host", host).set("http.port", String.valueOf(port));
    }

    /** Public URL (what DPoP proofs name). */
    public Builder publicUrl(String url) {
      return set("http.public-url", url);
    }

    /** Event-bus TLS between nodes: this node's certificate chain and key, and the cluster CA (PEM files). */
    public Builder eventBusTls(Path cert, Path key, Path ca) {
      return set("eventbus.tls-cert", cert.toString()).set("eventbus.tls-key", key.toString())
          .set("eventbus.tls-ca", ca.toString());
    }

    /** TLS certificate and key (PEM files). */
    public Builder tls(Path cert, Path key) {
      return set("http.tls-cert", cert.toString()).set("http.tls-key", key.toString());
    }

    /** Data directory. */
    public Builder dataDir(Path dir) {
      return set("node.data-dir", dir.toString());
    }

    /** Keyring file. */
    public Builder keyring(Path file) {
      return set("node.keyring", file.toString());
    }

    /** Policy file. */
    public Builder policy(Path file) {
      return set("node.policy", file.toString());
    }

    /** Node id. */
    public Builder nodeId(String id) {
      return set("node.id", id);
    }

    /** Allowed browser origins. */
    public Builder allowedOrigins(List<String> origins) {
      return set("http.allowed-origins", String.join(",", origins));
    }

    /** Checks every setting and builds; a random node id unless one is set. */
    public NodeConfig build() throws ConfigException {
      if (!sources.has("node.id") && !sources.has(ClusterConfig.NODE_ID)) {
        sources.set("node.id", randomId());
      }
      return resolve(sources, Path.of("").toAbsolutePath());
    }
  }
}
