package dev.ephyr.broker.config;

import dev.ephyr.protocol.dpop.DpopNonces;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one table of node settings: every key the node configuration accepts (besides the {@code cluster.*}
 * keys of {@code ClusterConfig}, which pass through), with its type, bounds, default and meaning. The typed
 * settings of each capability read their values by these constants; the settings reference in
 * {@code docs/operations.md} is checked against this table.
 *
 * <p>One rule for paths: a relative path in the configuration file resolves against that file's folder, whatever
 * the key ({@code node.data-dir}, {@code node.keyring}, {@code ssh.signer-socket}, the TLS files, ...); only the
 * defaults of {@code node.keyring}, {@code node.policy}, {@code audit.dir} and {@code state.dir} live inside
 * {@code node.data-dir}. Values set in code or the environment resolve against the working directory when no
 * file is read.
 */
public final class Settings {
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final Duration MS = Duration.ofMillis(1);
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration DAY = Duration.ofDays(1);
  private static final SettingType TEXT = SettingType.Text.ANY;
  private static final SettingType BOOL = new SettingType.Bool();

  private Settings() {}

  public static final Setting NODE_ID = of("node.id", TEXT, null, "random `n-xxxxxxxx`",
      "node id (also the cluster member id; `cluster.node-id` if only that is set)");
  public static final Setting NODE_DATA_DIR = of("node.data-dir", TEXT, "data", null, "node-local files");
  public static final Setting NODE_KEYRING = of("node.keyring", TEXT, null, "`<data-dir>/keyring.json`",
      "the keyring file");
  public static final Setting NODE_POLICY = of("node.policy", TEXT, null, "`<data-dir>/policy.yaml`",
      "the policy file");

  public static final Setting HTTP_HOST = of("http.host", TEXT, "127.0.0.1", null, "interface to listen on");
  public static final Setting HTTP_PORT = of("http.port", count(0, 65535), "8554", null,
      "port to listen on (`0` = a free port)");
  public static final Setting HTTP_PUBLIC_URL = of("http.public-url", new SettingType.Url(), null,
      "`http(s)://host:port`", "what DPoP `htu` names (behind a load balancer: the balancer's URL, the same on every node)");
  public static final Setting HTTP_TLS_CERT = of("http.tls-cert", TEXT, null, "none",
      "TLS certificate chain (PEM); with `http.tls-key`, both or neither");
  public static final Setting HTTP_TLS_KEY = of("http.tls-key", TEXT, null, "none", "TLS private key (PEM)");
  public static final Setting HTTP_ALLOWED_ORIGINS = reloadable("http.allowed-origins", new SettingType.Origins(), "",
      "empty", "browser origins allowed, comma-separated; requests without `Origin` always pass");
  public static final Setting HTTP_BODY_LIMIT = of("http.body-limit", bytes(1024, 16 * MIB),
      String.valueOf(MIB), null, "largest request body in bytes; larger ones get 413 naming the limit");
  public static final Setting HTTP_MAX_HEADER_SIZE = of("http.max-header-size",
      bytes(16 * KIB, 64 * KIB), "24576", null, "largest header block in bytes (tokens are up to ~11 KiB)");
  public static final Setting HTTP_INSTANCES = of("http.instances", count(0, 64), "0", null,
      "front verticle instances (`0` = one per event loop)");
  public static final Setting HTTP_IDLE_TIMEOUT = of("http.idle-timeout", time(MS, DAY), "60s", null,
      "idle connections are closed after this");
  public static final Setting HTTP_REQUEST_TIMEOUT = of("http.request-timeout", time(MS, DAY), "30s", null,
      "bound on handling one request (the whole pipeline)");

  public static final Setting EVENTBUS_TLS_CERT = of("eventbus.tls-cert", TEXT, null, "none",
      "event-bus TLS between nodes: this node's certificate chain (PEM); all three `eventbus.tls-*` or none");
  public static final Setting EVENTBUS_TLS_KEY = of("eventbus.tls-key", TEXT, null, "none",
      "event-bus TLS: this node's private key (PEM, PKCS#8)");
  public static final Setting EVENTBUS_TLS_CA = of("eventbus.tls-ca", TEXT, null, "none",
      "event-bus TLS: the cluster CA (PEM) that must have signed every peer (`ephyr certs init` makes them)");

  public static final Setting MCP_SESSION_TTL = of("mcp.session-ttl", time(SECOND, Duration.ofDays(30)), "24h", null,
      "idle limit of an `Mcp-Session-Id`: a session unused this long expires (each use extends it)");
  public static final Setting MCP_SESSION_MAX_AGE = of("mcp.session-max-age", time(SECOND, Duration.ofDays(90)), "7d",
      null, "a session ends this long after it began, however it is used (at least `mcp.session-ttl`)");
  public static final Setting MCP_PROGRESS_INTERVAL = of("mcp.progress-interval",
      time(SECOND, Duration.ofSeconds(15)), "10s", null,
      "gap between `notifications/progress` heartbeats of a `tools/call` that streams (SSE, `progressToken`)");

  public static final Setting TASKS_DEFAULT_TTL = reloadable("tasks.default-ttl", time(MS, Duration.ofDays(30)), "30m",
      null, "TTL of a root task when the agent's policy names none");
  public static final Setting TASKS_MAX_TTL = reloadable("tasks.max-ttl", time(MS, Duration.ofDays(30)), "24h", null,
      "upper bound on any task TTL (the agent's policy may lower it)");
  public static final Setting TASKS_DELEGATE_DEFAULT_TTL = reloadable("tasks.delegate-default-ttl",
      time(MS, Duration.ofDays(30)), "10m", null,
      "child TTL when none is asked for (always at most the parent's remaining TTL)");
  public static final Setting TASKS_MAX_BIND_WINDOW = reloadable("tasks.max-bind-window", time(MS, DAY), "5m", null,
      "longest two-phase bind window");
  public static final Setting TASKS_LIST_LIMIT = reloadable("tasks.list-limit", count(1, 10_000), "500", null,
      "most records a task listing returns (`truncated: true` beyond)");

  public static final Setting DPOP_IAT_WINDOW = of("dpop.iat-window", time(MS, Duration.ofMinutes(5)), "60s", null,
      "accepted age and clock skew of a DPoP proof");
  public static final Setting DPOP_REQUIRE_NONCE = of("dpop.require-nonce", BOOL, "false", null,
      "whether DPoP proofs must carry a server nonce");
  public static final Setting DPOP_NONCE_BUCKET = of("dpop.nonce-bucket", time(DpopNonces.MIN_BUCKET, DpopNonces.MAX_BUCKET), "60s", null,
      "lifetime bucket of the stateless server nonces (HMAC over a time bucket)");

  public static final Setting VERTX_EVENT_LOOPS = of("vertx.event-loops", count(0, 256), "0", null,
      "Vert.x event loops (`0` = 2 × cores)");
  public static final Setting VERTX_BLOCKED_THREAD_CHECK_INTERVAL = of("vertx.blocked-thread-check-interval",
      time(MS, HOUR), "1s", null, "how often Vert.x checks for blocked threads");
  public static final Setting VERTX_MAX_EVENT_LOOP_EXECUTE_TIME = of("vertx.max-event-loop-execute-time",
      time(MS, HOUR), "2s", null, "how long an event-loop task may run before Vert.x warns");

  public static final Setting SSH_SIGNER_SOCKET = reloadable("ssh.signer-socket", TEXT, "", "empty (SSH off)",
      "the signer's Unix socket; see [`ssh.md`](ssh.md)");
  public static final Setting SSH_SIGNER_TIMEOUT = of("ssh.signer-timeout", time(MS, Duration.ofMinutes(5)), "5s",
      null, "deadline of one signer call");
  public static final Setting SSH_SIGNER_PROBE_INTERVAL = of("ssh.signer-probe-interval",
      time(Duration.ofMillis(100), HOUR), "15s",
      null, "how often the node asks its signer for its CA key (`ephyr_signer_up`)");
  public static final Setting SSH_DEFAULT_CERT_TTL = of("ssh.default-cert-ttl", time(MS, DAY), "5m", null,
      "certificate lifetime when neither role nor target names one");
  public static final Setting SSH_MAX_CERT_TTL = of("ssh.max-cert-ttl", time(MS, DAY), "1h", null,
      "global cap on certificate lifetime");
  public static final Setting SSH_CONNECT_TIMEOUT = of("ssh.connect-timeout", time(MS, Duration.ofMinutes(5)),
      "10s", null, "TCP connect, key exchange and authentication together");
  public static final Setting SSH_EXEC_TIMEOUT = of("ssh.exec-timeout", time(MS, DAY), "60s", null,
      "default command deadline (at most `ssh.max-exec-timeout`; both cut below `http.request-timeout`)");
  public static final Setting SSH_MAX_EXEC_TIMEOUT = of("ssh.max-exec-timeout", time(MS, DAY), "10m", null,
      "the longest command deadline an agent may ask for");
  public static final Setting SSH_OUTPUT_LIMIT = of("ssh.output-limit", bytes(1024, 16 * MIB),
      "65536", null, "bytes kept of stdout and of stderr each (the rest is counted, with a marker)");
  public static final Setting SSH_SESSION_IDLE = of("ssh.session-idle", time(MS, DAY), "5m", null,
      "a persistent session unused this long is closed");
  public static final Setting SSH_SESSION_MAX_LIFETIME = of("ssh.session-max-lifetime",
      time(MS, Duration.ofDays(30)), "1h", null,
      "a persistent session is closed at this age (never after its task expires)");
  public static final Setting SSH_MAX_SESSIONS_PER_TASK = of("ssh.max-sessions-per-task",
      count(1, 1000), "4", null, "open sessions one task may hold");
  public static final Setting SSH_MAX_SESSIONS = of("ssh.max-sessions", count(1, 100_000), "64",
      null, "open sessions on this node");
  public static final Setting SSH_SOURCE_ADDRESS = of("ssh.source-address",
      new SettingType.Text(Pattern.compile("[0-9A-Fa-f.:/,]{1,512}"),
          "a comma-separated list of addresses or CIDR blocks"), "", "empty",
      "if set, written as `source-address` into every certificate (the broker's egress addresses)");

  public static final Setting CLUSTER_NAME = of("cluster.name", TEXT, "ephyr", null,
      "Hazelcast cluster name; the other `cluster.*` keys are in [`cluster.md`](cluster.md)");

  public static final Setting AUDIT_DIR = of("audit.dir", TEXT, null, "`<data-dir>/audit`",
      "the node's chained audit files ([`audit.md`](audit.md))");
  public static final Setting AUDIT_MAX_FILE_SIZE = of("audit.max-file-size",
      bytes(64 * KIB, 4096 * MIB), String.valueOf(64 * MIB), null,
      "size in bytes at which an audit file is rotated");
  public static final Setting AUDIT_QUEUE = of("audit.queue", count(100, 1_000_000), "20000", null,
      "audit events waiting for the writer before new ones are refused (and counted)");
  public static final Setting AUDIT_SYNC = of("audit.sync", BOOL, "true", null, "force each audit batch to disk");
  public static final Setting AUDIT_ACCEPT_MISSING_HEAD = of("audit.accept-missing-head", BOOL, "false", null,
      "start on an audit trail whose head is missing, forged or names records the files no longer hold "
      + "(recorded in the trail); otherwise the node refuses");

  public static final Setting ADMIN_TIMEOUT = of("admin.timeout", time(MS, Duration.ofMinutes(2)), "5s", null,
      "how long an admin fan-out waits for each node");

  public static final Setting STATE_DIR = of("state.dir", TEXT, null, "`<data-dir>/state`",
      "the node's durable security state: revocations, task records, bindings, certificate records, serial "
      + "high-water mark ([`cluster.md`](cluster.md) \"Durable state\")");
  public static final Setting STATE_MAX_SIZE = of("state.max-size", bytes(MIB, 1024 * 1024 * MIB),
      String.valueOf(1024 * MIB), null,
      "durable writes are refused (503 `state_unwritable`) once the state file is larger");

  public static final Setting TRACING_ENABLED = of("tracing.enabled", BOOL, "false", null,
      "export OpenTelemetry traces of requests over OTLP ([`operations.md`](operations.md) \"Tracing\")");
  public static final Setting TRACING_ENDPOINT = of("tracing.endpoint", new SettingType.Url(),
      "http://127.0.0.1:4318/v1/traces", null, "the collector's OTLP/HTTP traces URL");
  public static final Setting TRACING_SAMPLE_PERCENT = of("tracing.sample-percent", count(0, 100), "100", null,
      "share of new traces kept; a request whose caller sampled its trace is always kept");

  /** Every setting, in the order of the reference. */
  public static final List<Setting> ALL = List.of(NODE_ID, NODE_DATA_DIR, NODE_KEYRING, NODE_POLICY,
      HTTP_HOST, HTTP_PORT, HTTP_PUBLIC_URL, HTTP_TLS_CERT, HTTP_TLS_KEY, HTTP_ALLOWED_ORIGINS, HTTP_BODY_LIMIT,
      HTTP_MAX_HEADER_SIZE, HTTP_INSTANCES, HTTP_IDLE_TIMEOUT, HTTP_REQUEST_TIMEOUT,
      EVENTBUS_TLS_CERT, EVENTBUS_TLS_KEY, EVENTBUS_TLS_CA, MCP_SESSION_TTL, MCP_SESSION_MAX_AGE, MCP_PROGRESS_INTERVAL,
      TASKS_DEFAULT_TTL, TASKS_MAX_TTL, TASKS_DELEGATE_DEFAULT_TTL, TASKS_MAX_BIND_WINDOW, TASKS_LIST_LIMIT,
      DPOP_IAT_WINDOW, DPOP_REQUIRE_NONCE, DPOP_NONCE_BUCKET,
      VERTX_EVENT_LOOPS, VERTX_BLOCKED_THREAD_CHECK_INTERVAL, VERTX_MAX_EVENT_LOOP_EXECUTE_TIME,
      SSH_SIGNER_SOCKET, SSH_SIGNER_TIMEOUT, SSH_SIGNER_PROBE_INTERVAL, SSH_DEFAULT_CERT_TTL, SSH_MAX_CERT_TTL,
      SSH_CONNECT_TIMEOUT, SSH_EXEC_TIMEOUT, SSH_MAX_EXEC_TIMEOUT, SSH_OUTPUT_LIMIT, SSH_SESSION_IDLE, SSH_SESSION_MAX_LIFETIME,
      SSH_MAX_SESSIONS_PER_TASK, SSH_MAX_SESSIONS, SSH_SOURCE_ADDRESS,
      CLUSTER_NAME, AUDIT_DIR, AUDIT_MAX_FILE_SIZE, AUDIT_QUEUE, AUDIT_SYNC, AUDIT_ACCEPT_MISSING_HEAD,
      ADMIN_TIMEOUT, STATE_DIR, STATE_MAX_SIZE, TRACING_ENABLED, TRACING_ENDPOINT, TRACING_SAMPLE_PERCENT);

  private static final Map<String, Setting> BY_NAME = byName();

  private static Map<String, Setting> byName() {
    Map<String, Setting> m = new LinkedHashMap<>();
    for (Setting s : ALL) {
      if (m.put(s.name(), s) != null) {
        throw new IllegalStateException("setting declared twice: " + s.name());
      }
      if (s.dflt() != null) {
        s.type().check(s.dflt()); // a default that does not pass its own check is a bug here, not the user's
      }
    }
    return Map.copyOf(m);
  }

  /** The setting named {@code name}, or {@code null}. */
  public static Setting named(String name) {
    return BY_NAME.get(name);
  }

  private static Setting of(String name, SettingType type, String dflt, String computed, String doc) {
    return new Setting(name, type, dflt, computed, doc, Setting.Change.RESTART);
  }

  /** A setting a configuration reload applies on a live node: its readers take it from {@link LiveConfig}. */
  private static Setting reloadable(String name, SettingType type, String dflt, String computed, String doc) {
    return new Setting(name, type, dflt, computed, doc, Setting.Change.RELOAD);
  }

  private static SettingType count(long min, long max) {
    return new SettingType.Int(min, max, false);
  }

  private static SettingType bytes(long min, long max) {
    return new SettingType.Int(min, max, true);
  }

  private static SettingType time(Duration min, Duration max) {
    return new SettingType.Time(min, max);
  }
}
