package dev.ephyr.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephyr.cluster.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The settings of one broker node: one YAML file where every option has a default, and environment
 * variables that override single options ({@code http.port} ⇐ {@code EPHYR_HTTP_PORT},
 * {@code cluster.bind-host} ⇐ {@code EPHYR_CLUSTER_BIND_HOST}). Unknown keys are errors.
 *
 * <p>Keys are flat and dotted; in YAML they may be nested ({@code http: {port: 8554}}) and lists are
 * joined with commas. Every {@code cluster.*} key of {@code dev.ephyr.cluster.ClusterConfig} is accepted
 * and handed through. Relative paths in a file resolve against the file's directory.
 */
public final class NodeConfig {
  private static final long MIB = 1024 * 1024;

  /** Every non-cluster key with its default ({@code null}: computed or absent). */
  private static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("node.id", null);                       // random
    d.put("node.data-dir", "data");
    d.put("node.keyring", null);                  // <data-dir>/keyring.json
    d.put("node.policy", null);                   // <data-dir>/policy.yaml
    d.put("http.host", "127.0.0.1");
    d.put("http.port", "8554");
    d.put("http.public-url", null);               // http(s)://<host>:<port>
    d.put("http.tls-cert", null);
    d.put("http.tls-key", null);
    d.put("eventbus.tls-cert", null);             // all three, or none: TLS between nodes' event buses
    d.put("eventbus.tls-key", null);
    d.put("eventbus.tls-ca", null);
    d.put("http.allowed-origins", "");
    d.put("http.body-limit", String.valueOf(MIB));
    d.put("http.max-header-size", "24576");
    d.put("http.instances", "0");                 // 0 = one per event loop
    d.put("http.idle-timeout", "60s");
    d.put("http.request-timeout", "30s");
    d.put("mcp.session-ttl", "24h");              // idle bound: a session unused this long expires
    d.put("mcp.session-max-age", "7d");           // cap: however used, a session ends this long after issue
    d.put("tasks.default-ttl", "30m");
    d.put("tasks.max-ttl", "24h");
    d.put("tasks.delegate-default-ttl", "10m");
    d.put("tasks.max-bind-window", "5m");
    d.put("tasks.list-limit", "500");
    d.put("dpop.iat-window", "60s");
    d.put("dpop.require-nonce", "false");
    d.put("dpop.nonce-bucket", "60s");
    d.put("vertx.event-loops", "0");              // 0 = Vert.x default (2 × cores)
    d.put("vertx.blocked-thread-check-interval", "1s");
    d.put("vertx.max-event-loop-execute-time", "2s");
    d.put("ssh.signer-socket", "");               // empty = SSH off; relative to node.data-dir
    d.put("ssh.signer-timeout", "5s");
    d.put("ssh.default-cert-ttl", "5m");
    d.put("ssh.max-cert-ttl", "1h");
    d.put("ssh.connect-timeout", "10s");
    d.put("ssh.exec-timeout", "60s");
    d.put("ssh.max-exec-timeout", "10m");
    d.put("ssh.output-limit", "65536");
    d.put("ssh.session-idle", "5m");
    d.put("ssh.session-max-lifetime", "1h");
    d.put("ssh.max-sessions-per-task", "4");
    d.put("ssh.max-sessions", "64");
    d.put("ssh.source-address", "");
    d.put("cluster.name", "ephyr");
    d.put("audit.dir", null);                     // <data-dir>/audit
    d.put("audit.max-file-size", String.valueOf(64 * MIB));
    d.put("audit.queue", "20000");
    d.put("audit.sync", "true");
    d.put("audit.accept-missing-head", "false");  // start on a trail whose head is missing (recorded)
    d.put("admin.timeout", "5s");
    d.put("state.dir", null);                     // <data-dir>/state
    d.put("state.max-size", String.valueOf(1024 * MIB));
    return Collections.unmodifiableMap(d);
  }

  private final Map<String, String> values; // resolved: defaults + file + env; cluster.* included
  private final Path baseDir;

  private NodeConfig(Map<String, String> values, Path baseDir) throws ConfigException {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    this.baseDir = baseDir;
    validate();
  }

  /** Reads {@code yaml} (which may be absent: then only defaults and {@code env} apply). */
  public static NodeConfig load(Path yaml, Map<String, String> env) throws ConfigException {
    Map<String, String> v = new LinkedHashMap<>();
    Path base = Path.of("").toAbsolutePath();
    if (yaml != null) {
      if (!Files.isRegularFile(yaml)) {
        throw new ConfigException(yaml + ": no such file");
      }
      base = yaml.toAbsolutePath().getParent();
      try {
        if (Files.size(yaml) > MIB) {
          throw new ConfigException(yaml + ": larger than 1 MiB");
        }
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml.toFile());
        if (root != null && !root.isNull() && !root.isMissingNode()) {
          if (!root.isObject()) {
            throw new ConfigException(yaml + ": the top level must be a mapping");
          }
          flatten("", root, v, yaml);
        }
      } catch (IOException e) {
        throw new ConfigException(yaml + ": not valid YAML: " + firstLine(e.getMessage()));
      }
    }
    for (String key : v.keySet()) {
      requireKnown(key, yaml == null ? "config" : yaml.toString());
    }
    for (String key : knownKeysForEnv(v)) {
      String name = envName(key);
      String value = env.get(name);
      if (value != null) {
        v.put(key, value.trim());
      }
    }
    // Cluster keys may also come only from the environment.
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().startsWith("EPHYR_CLUSTER_")) {
        String key = "cluster." + e.getKey().substring("EPHYR_CLUSTER_".length()).toLowerCase(Locale.ROOT)
            .replace('_', '-');
        v.put(key, e.getValue().trim());
      }
    }
    return new NodeConfig(withDefaults(v), base);
  }

  private static List<String> knownKeysForEnv(Map<String, String> fromFile) {
    List<String> keys = new ArrayList<>(DEFAULTS.keySet());
    for (String k : fromFile.keySet()) {
      if (!keys.contains(k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  /** The environment variable that overrides {@code key}: {@code EPHYR_} + key, upper case, {@code .-} → {@code _}. */
  public static String envName(String key) {
    return "EPHYR_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** A builder starting from the defaults; relative paths resolve against the working directory. */
  public static Builder builder() {
    return new Builder();
  }

  private static Map<String, String> withDefaults(Map<String, String> v) {
    Map<String, String> out = new LinkedHashMap<>();
    DEFAULTS.forEach((k, d) -> {
      if (d != null) {
        out.put(k, d);
      }
    });
    out.putAll(v);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file)
      throws ConfigException {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(key, v, out, file);
      } else if (v.isArray()) {
        List<String> parts = new ArrayList<>();
        for (JsonNode item : v) {
          if (!item.isValueNode()) {
            throw new ConfigException(file + ": " + key + " must be a list of plain values");
          }
          parts.add(item.asText());
        }
        out.put(key, String.join(",", parts));
      } else if (v.isNull()) {
        out.remove(key);
      } else {
        out.put(key, v.asText());
      }
    }
  }

  private static void requireKnown(String key, String source) throws ConfigException {
    if (!DEFAULTS.containsKey(key) && !key.startsWith("cluster.")) {
      throw new ConfigException(source + ": unknown setting '" + key + "'");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private void validate() throws ConfigException {
    try {
      checkAll();
    } catch (IllegalStateException | NumberFormatException e) {
      throw new ConfigException(e.getMessage() == null ? "invalid setting" : e.getMessage());
    }
  }

  private void checkAll() throws ConfigException {
    for (String key : values.keySet()) {
      requireKnown(key, "config");
    }
    int port = port();
    if (port < 0 || port > 65535) {
      throw new ConfigException("http.port must be 0-65535, got " + port);
    }
    long limit = bodyLimit();
    if (limit < 1024 || limit > 16 * MIB) {
      throw new ConfigException("http.body-limit must be between 1024 and 16777216 bytes");
    }
    int hdr = maxHeaderSize();
    if (hdr < 16384 || hdr > 65536) {
      throw new ConfigException("http.max-header-size must be between 16384 and 65536 bytes (tokens are up to 11 KiB)");
    }
    int inst = httpInstances();
    if (inst < 0 || inst > 64) {
      throw new ConfigException("http.instances must be 0-64");
    }
    if ((tlsCert().isPresent()) != (tlsKey().isPresent())) {
      throw new ConfigException("http.tls-cert and http.tls-key must be set together");
    }
    int busTls = (eventBusTlsCert().isPresent() ? 1 : 0) + (eventBusTlsKey().isPresent() ? 1 : 0)
        + (eventBusTlsCa().isPresent() ? 1 : 0);
    if (busTls != 0 && busTls != 3) {
      throw new ConfigException("eventbus.tls-cert, eventbus.tls-key and eventbus.tls-ca must be set together "
          + "(make them with 'ephyr certs init')");
    }
    if (publicUrlSetting().isPresent()) {
      String u = publicUrlSetting().get();
      if (!(u.startsWith("http://") || u.startsWith("https://")) || u.contains("?") || u.contains("#")
          || u.contains("@")) {
        throw new ConfigException("http.public-url must be an absolute http(s) URL without user info, query or fragment");
      }
    }
    for (String o : allowedOrigins()) {
      if (!(o.startsWith("http://") || o.startsWith("https://")) || o.endsWith("/")) {
        throw new ConfigException("http.allowed-origins: '" + o + "' is not an origin like https://app.example");
      }
    }
    positive("http.idle-timeout", idleTimeout());
    positive("http.request-timeout", requestTimeout());
    positive("mcp.session-ttl", sessionTtl());
    if (sessionTtl().getSeconds() < 1 || sessionMaxAge().compareTo(sessionTtl()) < 0
        || sessionMaxAge().compareTo(Duration.ofDays(90)) > 0) {
      throw new ConfigException("mcp.session-max-age: must be at least mcp.session-ttl (at least 1s) and at most 90d");
    }
    positive("tasks.default-ttl", defaultTaskTtl());
    positive("tasks.max-ttl", maxTaskTtl());
    positive("tasks.delegate-default-ttl", delegateDefaultTtl());
    positive("tasks.max-bind-window", maxBindWindow());
    if (maxTaskTtl().compareTo(Duration.ofDays(30)) > 0) {
      throw new ConfigException("tasks.max-ttl must be at most 30 days");
    }
    int list = listLimit();
    if (list < 1 || list > 10_000) {
      throw new ConfigException("tasks.list-limit must be 1-10000");
    }
    Duration iat = dpopIatWindow();
    if (iat.isNegative() || iat.isZero() || iat.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new ConfigException("dpop.iat-window must be between 1s and 5m");
    }
    dpopNonceRequired();
    dpopNonceBucket();
    int loops = eventLoops();
    if (loops < 0 || loops > 256) {
      throw new ConfigException("vertx.event-loops must be 0-256");
    }
    positive("vertx.blocked-thread-check-interval", blockedThreadCheckInterval());
    positive("vertx.max-event-loop-execute-time", maxEventLoopExecuteTime());
    checkAudit();
  }

  private void checkAudit() throws ConfigException {
    long max = auditMaxFileSize();
    if (max < 64 * 1024 || max > 4096 * MIB) {
      throw new ConfigException("audit.max-file-size must be between 65536 and 4294967296 bytes");
    }
    int q = auditQueue();
    if (q < 100 || q > 1_000_000) {
      throw new ConfigException("audit.queue must be 100-1000000");
    }
    long stateMax;
    try {
      stateMax = Long.parseLong(get("state.max-size").trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("state.max-size must be a number of bytes, got '" + get("state.max-size") + "'");
    }
    if (stateMax < MIB || stateMax > 1024L * 1024 * MIB) {
      throw new ConfigException("state.max-size must be between 1048576 and 1099511627776 bytes");
    }
    String sync = get("audit.sync").trim();
    if (!sync.equals("true") && !sync.equals("false")) {
      throw new ConfigException("audit.sync must be true or false");
    }
    String accept = get("audit.accept-missing-head").trim();
    if (!accept.equals("true") && !accept.equals("false")) {
      throw new ConfigException("audit.accept-missing-head must be true or false");
    }
    Duration t = adminTimeout();
    if (t.isNegative() || t.isZero() || t.compareTo(Duration.ofMinutes(2)) > 0) {
      throw new ConfigException("admin.timeout must be between 1ms and 2m");
    }
  }

  /** Directory of this node's durable security state (watermarks, task records, certificate records). */
  public Path stateDir() {
    return path("state.dir", "state");
  }

  /** Largest the state file may grow before writes (revokes, new tasks) are refused. */
  public long stateMaxSize() {
    try {
      return Long.parseLong(get("state.max-size").trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("state.max-size must be a number of bytes");
    }
  }

  /** Directory of this node's chained audit files. */
  public Path auditDir() {
    return path("audit.dir", "audit");
  }

  /** Size in bytes at which an audit file is rotated. */
  public long auditMaxFileSize() {
    try {
      return Long.parseLong(get("audit.max-file-size").trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("audit.max-file-size must be a number of bytes");
    }
  }

  /** Most audit events waiting for the writer before new ones are refused (and counted). */
  public int auditQueue() {
    return intValue("audit.queue");
  }

  /** Whether each audit batch is forced to disk. */
  public boolean auditSync() {
    return Boolean.parseBoolean(get("audit.sync").trim());
  }

  /**
   * Whether the node starts on an audit trail whose head file is missing, forged or names more records than
   * the files hold (the acceptance is recorded in the trail); otherwise it refuses to start.
   */
  public boolean auditAcceptMissingHead() {
    return Boolean.parseBoolean(get("audit.accept-missing-head").trim());
  }

  /** Bound on an admin operation's cluster fan-out (per-node answers). */
  public Duration adminTimeout() {
    return duration("admin.timeout");
  }

  private static void positive(String key, Duration d) throws ConfigException {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key + " must be positive");
    }
  }

  private String get(String key) {
    return values.get(key);
  }

  private int intValue(String key) {
    try {
      return Integer.parseInt(get(key).trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalStateException(key + " must be an integer, got '" + get(key) + "'");
    }
  }

  private Duration duration(String key) {
    String v = get(key);
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(key + " must be a duration like 500ms, 10s, 5m, 1h or 2d, got '" + v + "'");
    }
  }

  private Path path(String key, String fallbackName) {
    String v = get(key);
    Path p = v == null ? dataDir().resolve(fallbackName) : Path.of(v);
    return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
  }

  /** Node id (also the cluster member's node id); random unless configured. */
  public String nodeId() {
    String id = get("node.id");
    return id != null ? id : get("cluster.node-id");
  }

  /** Directory for node-local data. */
  public Path dataDir() {
    Path p = Path.of(get("node.data-dir"));
    return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
  }

  /** The keyring file ({@code keyring.json}). */
  public Path keyringPath() {
    return path("node.keyring", "keyring.json");
  }

  /** The policy file. */
  public Path policyPath() {
    return path("node.policy", "policy.yaml");
  }

  /** Interface to listen on. */
  public String host() {
    return get("http.host");
  }

  /** Port to listen on (0 = ephemeral). */
  public int port() {
    return intValue("http.port");
  }

  /** The configured public URL (scheme, host, port; no path), if any. */
  public Optional<String> publicUrlSetting() {
    String u = get("http.public-url");
    if (u == null || u.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
  }

  /** TLS certificate chain (PEM), if TLS is on. */
  public Optional<Path> tlsCert() {
    String v = get("http.tls-cert");
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(baseDir.resolve(v));
  }

  /** TLS private key (PEM), if TLS is on. */
  public Optional<Path> tlsKey() {
    String v = get("http.tls-key");
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(baseDir.resolve(v));
  }

  /** Event-bus TLS: this node's certificate chain (PEM), if TLS between nodes is on. */
  public Optional<Path> eventBusTlsCert() {
    return optionalPath("eventbus.tls-cert");
  }

  /** Event-bus TLS: this node's private key (PEM, PKCS#8). */
  public Optional<Path> eventBusTlsKey() {
    return optionalPath("eventbus.tls-key");
  }

  /** Event-bus TLS: the cluster CA certificate (PEM); peers must present a certificate it signed. */
  public Optional<Path> eventBusTlsCa() {
    return optionalPath("eventbus.tls-ca");
  }

  private Optional<Path> optionalPath(String key) {
    String v = get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(baseDir.resolve(v));
  }

  /** Browser origins allowed to call the endpoints (requests without {@code Origin} are always allowed). */
  public List<String> allowedOrigins() {
    List<String> out = new ArrayList<>();
    for (String o : get("http.allowed-origins").split(",")) {
      if (!o.isBlank()) {
        out.add(o.trim());
      }
    }
    return List.copyOf(out);
  }

  /** Largest accepted request body in bytes. */
  public long bodyLimit() {
    return Long.parseLong(get("http.body-limit").trim());
  }

  /** Largest accepted header block in bytes. */
  public int maxHeaderSize() {
    return intValue("http.max-header-size");
  }

  /** HTTP verticle instances (0 = one per event loop). */
  public int httpInstances() {
    return intValue("http.instances");
  }

  /** Idle connection timeout. */
  public Duration idleTimeout() {
    return duration("http.idle-timeout");
  }

  /** Upper bound on handling one request. */
  public Duration requestTimeout() {
    return duration("http.request-timeout");
  }

  /** How long an MCP session may go unused before it expires (each use extends it). */
  public Duration sessionTtl() {
    return duration("mcp.session-ttl");
  }

  /** How long after its issue an MCP session expires, however much it is used. */
  public Duration sessionMaxAge() {
    return duration("mcp.session-max-age");
  }

  /** Default TTL of a root task when the agent's policy names none. */
  public Duration defaultTaskTtl() {
    return duration("tasks.default-ttl");
  }

  /** Absolute upper bound on any task TTL. */
  public Duration maxTaskTtl() {
    return duration("tasks.max-ttl");
  }

  /** Default TTL of a delegated task. */
  public Duration delegateDefaultTtl() {
    return duration("tasks.delegate-default-ttl");
  }

  /** Longest two-phase bind window. */
  public Duration maxBindWindow() {
    return duration("tasks.max-bind-window");
  }

  /** Most records a task listing returns. */
  public int listLimit() {
    return intValue("tasks.list-limit");
  }

  /** Accepted skew of a DPoP proof's {@code iat}. */
  public Duration dpopIatWindow() {
    return duration("dpop.iat-window");
  }

  /** Whether DPoP proofs must carry a server nonce. */
  public boolean dpopNonceRequired() {
    String v = get("dpop.require-nonce").trim();
    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
      throw new IllegalStateException("dpop.require-nonce must be true or false");
    }
    return Boolean.parseBoolean(v);
  }

  /** Lifetime bucket of DPoP nonces. */
  public Duration dpopNonceBucket() {
    return duration("dpop.nonce-bucket");
  }

  /** Vert.x event loops (0 = default). */
  public int eventLoops() {
    return intValue("vertx.event-loops");
  }

  /** How often Vert.x checks for blocked threads. */
  public Duration blockedThreadCheckInterval() {
    return duration("vertx.blocked-thread-check-interval");
  }

  /** How long an event-loop task may run before Vert.x warns. */
  public Duration maxEventLoopExecuteTime() {
    return duration("vertx.max-event-loop-execute-time");
  }

  /** The {@code cluster.*} settings, for {@code ClusterConfig.fromMap}. */
  public Map<String, String> clusterSettings() {
    Map<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("cluster.")) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** Every resolved setting (no secrets live in node config: the keyring is a separate file). */
  public Map<String, String> asMap() {
    return values;
  }

  @Override
  public String toString() {
    return "NodeConfig" + values;
  }

  /** Builds a config in code (for {@code ./ephyr dev} and tests), by the same keys as the file. */
  public static final class Builder {
    private final Map<String, String> values = new LinkedHashMap<>();

    private Builder() {}

    /** Sets any key, e.g. {@code set("cluster.port", "5711")}. */
    public Builder set(String key, String value) {
      values.put(key, value);
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

    /** Validates and builds. */
    public NodeConfig build() throws ConfigException {
      for (String key : values.keySet()) {
        requireKnown(key, "builder");
      }
      Map<String, String> v = withDefaults(values);
      if (v.get("node.id") == null && v.get("cluster.node-id") == null) {
        v.put("node.id", "n-" + UUID.randomUUID().toString().substring(0, 8));
      }
      return new NodeConfig(v, Path.of("").toAbsolutePath());
    }
  }

  static NodeConfig withNodeIdDefault(NodeConfig c) throws ConfigException {
    if (c.nodeId() != null) {
      return c;
    }
    Map<String, String> v = new LinkedHashMap<>(c.values);
    v.put("node.id", "n-" + UUID.randomUUID().toString().substring(0, 8));
    return new NodeConfig(v, c.baseDir);
  }
}
