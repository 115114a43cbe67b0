package dev.ephyr.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.yaml.Problem;
import dev.ephyr.cluster.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad node configuration is reported whole: every problem, each with its file and line or variable. */
class NodeConfigProblemsTest {
  @TempDir
  Path dir;

  private Path file(String... lines) throws Exception {
    Path yaml = dir.resolve("node.yaml");
    Files.writeString(yaml, String.join("\n", lines) + "\n");
    return yaml;
  }

  private static List<String> shown(ConfigException e) {
    return e.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void severalProblems_allReportedAtOnce_withFileAndLine() throws Exception {
    Path yaml = file(
        "http:",
        "  prot: 8554",                    // 2: unknown, a typo
        "  port: 70000",                   // 3: out of bounds
        "tasks:",
        "  list-limit: many",              // 5: wrong type
        "ssh:",
        "  session-max-lifetime: 1 week",  // 7: not a duration
        "cluster:",
        "  qourum: 2");                    // 9: unknown cluster key
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeConfig.load(yaml, Map.of("EPHYR_AUDIT_QUEUE", "5")));
    List<String> p = shown(e);
    assertEquals(6, p.size(), e.getMessage());
    assertTrue(p.contains("EPHYR_AUDIT_QUEUE: audit.queue must be an integer between 100 and 1000000, got 5"), p.toString());
    assertTrue(p.contains(yaml + ":2: unknown setting 'http.prot' (did you mean 'http.port'?)"), p.toString());
    assertTrue(p.contains(yaml + ":3: http.port must be an integer between 0 and 65535, got 70000"), p.toString());
    assertTrue(p.contains(yaml + ":5: tasks.list-limit must be an integer between 1 and 10000, got 'many'"),
        p.toString());
    assertTrue(p.contains(yaml + ":7: ssh.session-max-lifetime must be a duration like 500ms, 90s, 15m, 2h, 1d or "
        + "1h30m, got '1 week'"), p.toString());
    assertTrue(p.contains(yaml + ":9: unknown setting 'cluster.qourum' (did you mean 'cluster.quorum'?)"),
        p.toString());
    assertTrue(e.getMessage().startsWith("6 problems in the node configuration:\n  "), e.getMessage());
    for (String one : p) {
      assertTrue(e.getMessage().contains("\n  " + one), e.getMessage());
    }
  }

  @Test
  void crossSettingRules_andClusterValues_areLocated() throws Exception {
    Path yaml = file(
        "http:",
        "  tls-cert: cert.pem",            // 2: without tls-key
        "ssh:",
        "  exec-timeout: 2h",              // 4: above max-exec-timeout (10m)
        "eventbus.tls-ca: ca.pem",         // 5: one of three
        "cluster:",
        "  port: five",                    // 7: ClusterConfig's own check, placed at its key
        "mcp.session-max-age: 1h");        // 8: below session-ttl (24h)
    List<String> p = shown(assertThrows(ConfigException.class, () -> NodeConfig.load(yaml, Map.of())));
    assertEquals(List.of(
        yaml + ":2: http.tls-cert and http.tls-key must be set together",
        yaml + ":4: ssh.exec-timeout must not exceed ssh.max-exec-timeout",
        yaml + ":5: eventbus.tls-cert, eventbus.tls-key and eventbus.tls-ca must be set together "
            + "(make them with 'ephyr certs init')",
        yaml + ":7: cluster.port must be an integer, got 'five'",
        yaml + ":8: mcp.session-max-age must be at least mcp.session-ttl"), p);
  }

  @Test
  void fileShape_duplicatesListsAndTheTopLevel() throws Exception {
    Path yaml = file("http.port: 1", "http:", "  port: 2", "  allowed-origins: [{a: 1}]");
    List<String> p = shown(assertThrows(ConfigException.class, () -> NodeConfig.load(yaml, Map.of())));
    assertEquals(List.of(yaml + ":3: 'http.port' is set twice (first at line 1)",
        yaml + ":4: http.allowed-origins must be a list of plain values, got a mapping"), p);
    Path list = file("- 1", "- 2");
    assertEquals(List.of(list + ":1: the top level must be a mapping of settings (http: {port: 8554} or http.port: 8554)"),
        shown(assertThrows(ConfigException.class, () -> NodeConfig.load(list, Map.of()))));
    Path alias = file("a: &x 1", "b: *x");
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.load(alias, Map.of())).getMessage()
        .contains(":1: anchors (&name) are not supported in configuration files"));
  }

  @Test
  void builderAndEnvironment_problemsNameTheirSource() {
    ConfigException b = assertThrows(ConfigException.class,
        () -> NodeConfig.builder().set("ssh.max-sessions", "0").set("http.bodylimit", "1").build());
    assertEquals(List.of("builder: unknown setting 'http.bodylimit' (did you mean 'http.body-limit'?)",
        "builder: ssh.max-sessions must be an integer between 1 and 100000, got 0"), shown(b));
    ConfigException env = assertThrows(ConfigException.class,
        () -> NodeConfig.load(null, Map.of("EPHYR_CLUSTER_QOURUM", "2", "EPHYR_DPOP_REQUIRE_NONCE", "yes")));
    assertEquals(List.of("EPHYR_CLUSTER_QOURUM: unknown setting 'cluster.qourum' (did you mean 'cluster.quorum'?)",
        "EPHYR_DPOP_REQUIRE_NONCE: dpop.require-nonce must be true or false, got 'yes'"), shown(env));
  }

  @Test
  void everyDurationSetting_acceptsTheOneSpelling_whereInBounds() throws Exception {
    int checked = 0;
    long durationSettings = Settings.ALL.stream().filter(s -> s.type() instanceof SettingType.Time).count();
    assertEquals(durationSettings, durations(NodeConfig.builder().build()).size(), "every duration setting is seen");
    for (Setting s : Settings.ALL) {
      if (!(s.type() instanceof SettingType.Time t)) {
        continue;
      }
      for (String text : List.of("1d", "90s", "15m", "2h", "1h30m", "500ms")) {
        Duration d = Durations.parse(text);
        // exec-timeout ≤ max-exec-timeout and session-ttl ≤ session-max-age are rules of their own: keep them out
        // of the way.
        NodeConfig.Builder b = NodeConfig.builder().set("ssh.max-exec-timeout", "1d").set("ssh.exec-timeout", "1ms")
            .set("mcp.session-ttl", "1s").set("mcp.session-max-age", "90d").set(s.name(), text);
        if (d.compareTo(t.min()) < 0 || d.compareTo(t.max()) > 0) {
          ConfigException e = assertThrows(ConfigException.class, b::build, s.name() + " " + text);
          assertTrue(e.getMessage().startsWith("builder: " + s.name() + " must be between "), e.getMessage());
          continue;
        }
        Map<String, Object> seen = durations(b.build());
        assertEquals(d, seen.get(s.name()), s.name() + " " + text);
        checked++;
      }
    }
    assertTrue(checked > 80, "checked " + checked);
    // The one that used to be refused: the SSH settings did not know days.
    assertEquals(Duration.ofDays(1),
        NodeConfig.load(file("ssh:", "  session-max-lifetime: 1d"), Map.of()).ssh().sessionMaxLifetime());
  }

  /** Each duration setting's value, as its capability's settings hold it. */
  private static Map<String, Object> durations(NodeConfig c) {
    return Map.ofEntries(Map.entry("http.idle-timeout", c.http().idleTimeout()),
        Map.entry("http.request-timeout", c.http().requestTimeout()),
        Map.entry("mcp.session-ttl", c.mcp().sessionTtl()),
        Map.entry("mcp.session-max-age", c.mcp().sessionMaxAge()),
        Map.entry("mcp.progress-interval", c.mcp().progressInterval()),
        Map.entry("tasks.default-ttl", c.tasks().defaultTtl()), Map.entry("tasks.max-ttl", c.tasks().maxTtl()),
        Map.entry("tasks.delegate-default-ttl", c.tasks().delegateDefaultTtl()),
        Map.entry("tasks.max-bind-window", c.tasks().maxBindWindow()),
        Map.entry("dpop.iat-window", c.dpop().iatWindow()), Map.entry("dpop.nonce-bucket", c.dpop().nonceBucket()),
        Map.entry("vertx.blocked-thread-check-interval", c.vertx().blockedThreadCheckInterval()),
        Map.entry("vertx.max-event-loop-execute-time", c.vertx().maxEventLoopExecuteTime()),
        Map.entry("ssh.signer-timeout", c.ssh().signerTimeout()),
        Map.entry("ssh.signer-probe-interval", c.ssh().signerProbeInterval()),
        Map.entry("ssh.default-cert-ttl", c.ssh().defaultCertTtl()), Map.entry("ssh.max-cert-ttl", c.ssh().maxCertTtl()),
        Map.entry("ssh.connect-timeout", c.ssh().connectTimeout()), Map.entry("ssh.exec-timeout", c.ssh().execTimeout()),
        Map.entry("ssh.max-exec-timeout", c.ssh().maxExecTimeout()),
        Map.entry("ssh.session-idle", c.ssh().sessionIdle()),
        Map.entry("ssh.session-max-lifetime", c.ssh().sessionMaxLifetime()),
        Map.entry("admin.timeout", c.admin().timeout()));
  }

  @Test
  void precedence_defaultThenFileThenEnvironment_andTildeMeansTheDefault() throws Exception {
    Path yaml = file("http: {port: 9000, host: ~}", "ssh.session-idle: 2m", "audit:", "  queue: 500");
    NodeConfig c = NodeConfig.load(yaml, Map.of("EPHYR_AUDIT_QUEUE", "700", "EPHYR_UNRELATED", "x"));
    assertEquals(9000, c.http().port());
    assertEquals("127.0.0.1", c.http().host());
    assertEquals(Duration.ofMinutes(2), c.ssh().sessionIdle());
    assertEquals(700, c.audit().queue(), "the environment wins over the file");
    assertEquals(dir.resolve("data/audit"), c.audit().dir(), "relative to the file's folder");
    assertEquals(dir.resolve("data/state"), c.state().dir());
    assertEquals(null, c.ssh().signerSocket());
  }

  @Test
  void relativePaths_resolveAgainstTheFilesFolder_whateverTheKey() throws Exception {
    Path yaml = file("node: {data-dir: var, keyring: keys/keyring.json}", "ssh.signer-socket: run/signer.sock",
        "state.dir: st", "audit.dir: au", "http: {tls-cert: tls/c.pem, tls-key: tls/k.pem}");
    NodeConfig c = NodeConfig.load(yaml, Map.of());
    assertEquals(dir.resolve("var"), c.node().dataDir());
    assertEquals(dir.resolve("keys/keyring.json"), c.node().keyring());
    assertEquals(dir.resolve("run/signer.sock"), c.ssh().signerSocket(),
        "the signer socket follows the same rule as every other path (not node.data-dir)");
    assertEquals(dir.resolve("st"), c.state().dir());
    assertEquals(dir.resolve("au"), c.audit().dir());
    assertEquals(dir.resolve("tls/c.pem"), c.http().tlsCert().orElseThrow());
    // Only the defaults live in the data dir.
    NodeConfig d = NodeConfig.load(file("node.data-dir: var"), Map.of());
    assertEquals(dir.resolve("var/policy.yaml"), d.node().policy());
    assertEquals(dir.resolve("var/state"), d.state().dir());
    NodeConfig abs = NodeConfig.load(file("ssh.signer-socket: /run/ephyr-signer/signer.sock"), Map.of());
    assertEquals(Path.of("/run/ephyr-signer/signer.sock"), abs.ssh().signerSocket());
  }
}
