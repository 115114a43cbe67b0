package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.config.ConfigChanges;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real node started from a real configuration file: after {@code ephyr admin config-reload} each reloadable
 * setting changes what the node does, changed restart settings are reported and not applied, a file with problems
 * changes nothing and is answered with the problems start would list, and requests flowing during reloads all
 * succeed.
 */
class ConfigReloadTest {
  /** Where the settings under test begin in the file. */
  private static final String TAIL = "# settings under test";
  /** The settings under test as the node starts. */
  private static final List<String> START = List.of(
      "tasks:",
      "  default-ttl: 10m",
      "  max-ttl: 1h",
      "  delegate-default-ttl: 2m",
      "  max-bind-window: 30s",
      "  list-limit: 1",
      "http.allowed-origins: [\"https://a.example\"]");

  private final TestKit kit = new TestKit();
  private final String adminKey = ApiKeys.generate(TestKit.RANDOM);
  private Path file;
  private Node node;

  /** The node's file: the kit's cluster and files, then {@code tail} (the settings under test). */
  private String yaml(String... tail) {
    return String.join("\n", List.of(
        "node:",
        "  id: r1",
        "  data-dir: r1",
        "  keyring: keyring.json",
        "  policy: policy.yaml",
        "http:",
        "  host: 127.0.0.1",
        "  port: 0",
        "  instances: 2",
        "vertx:",
        "  event-loops: 2",
        "  blocked-thread-check-interval: 100ms",
        "  max-event-loop-execute-time: 100ms",
        "ssh.signer-probe-interval: 200ms",
        "cluster:",
        "  name: " + kit.clusterName,
        "  bind-host: 127.0.0.1",
        "  port: 0", // alone, on a free port
        TAIL,
        "")) + String.join("\n", tail) + "\n";
  }

  /** The start's settings under test and then {@code more}. */
  private static String[] startAnd(String... more) {
    List<String> all = new ArrayList<>(START);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  /** The same file with other settings under test (the rest as it was). */
  private void rewrite(String... tail) throws Exception {
    String now = Files.readString(file, StandardCharsets.UTF_8);
    Files.writeString(file, now.substring(0, now.indexOf(TAIL) + TAIL.length()) + "\n" + String.join("\n", tail)
        + "\n");
  }

  @BeforeEach
  void start() throws Exception {
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + "admins:\n  ops:\n    credential: \""
        + ApiKeys.hash(adminKey) + "\"\n");
    file = kit.dir.resolve("node.yaml");
    Files.writeString(file, yaml(START.toArray(String[]::new)));
    NodeConfig.Reader reader = NodeConfig.reader(file, Map.of());
    node = Node.start(reader.read(), null, reader).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    TestKit.awaitReady(node);
  }

  @AfterEach
  void stop() {
    TestKit.closeCheckingLoops(node);
  }

  private McpClient alice() {
    return McpClient.bearer(node.mcpUrl(), kit.aliceKey);
  }

  private int pingFrom(String origin) {
    Map<String, String> h = new HashMap<>(alice().headers("POST", null));
    h.put("Origin", origin);
    return Http.send("POST", node.mcpUrl(), h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
        .getBytes(StandardCharsets.UTF_8)).status();
  }

  private static void assertAbout(long expected, long actual, String what) {
    assertTrue(actual <= expected && actual >= expected - 30, what + ": expected about " + expected + " s, got "
        + actual);
  }

  private JsonObject reloadAll() {
    JsonObject answer = AdminApiTest.bus(node, Addresses.ADMIN_CONFIG_RELOAD, adminKey,
        new JsonObject().put("node", "all"));
    assertTrue(answer.getBoolean("ok", false), answer.encode());
    return answer.getJsonObject("result");
  }

  @Test
  void eachReloadableSetting_changesBehaviour_restartSettingsAreReported() throws Exception {
    // Before: the values of the file the node started with.
    JsonObject root = alice().ok("task_create", new JsonObject().put("can_delegate", true));
    assertAbout(600, root.getLong("ttl_seconds"), "tasks.default-ttl 10m");
    assertEquals("ttl_too_long", alice().toolError("task_create", new JsonObject().put("ttl", 7200)));
    McpClient parent = McpClient.bearer(node.mcpUrl(), root.getString("token"));
    assertAbout(120, parent.ok("task_delegate", new JsonObject()).getLong("ttl_seconds"), "tasks.delegate-default-ttl 2m");
    String tooLong = parent.call("task_delegate", new JsonObject().put("bind_within", 60)).body();
    assertTrue(tooLong.contains("bind_within must be between 1 and 30"), "tasks.max-bind-window 30s: " + tooLong);
    JsonObject listed = parent.ok("task_list", new JsonObject());
    assertEquals(1, listed.getInteger("count"), "tasks.list-limit 1: " + listed);
    assertTrue(listed.getBoolean("truncated"));
    assertEquals(403, pingFrom("https://b.example"));
    assertEquals(200, pingFrom("https://a.example"));
    long bodyLimit = node.config().http().bodyLimit();

    rewrite(
        "tasks:",
        "  default-ttl: 20m",
        "  max-ttl: 3h",
        "  delegate-default-ttl: 4m",
        "  max-bind-window: 2m",
        "  list-limit: 50",
        "http.allowed-origins: [\"https://b.example\"]",
        "http.body-limit: 4096");
    JsonObject result = reloadAll();
    JsonObject mine = result.getJsonArray("nodes").getJsonObject(0);
    assertEquals(new JsonArray(List.of("http.allowed-origins", "tasks.default-ttl", "tasks.delegate-default-ttl",
        "tasks.list-limit", "tasks.max-bind-window", "tasks.max-ttl")), mine.getJsonArray("applied"), mine.encode());
    assertEquals(new JsonArray(List.of("http.body-limit")), mine.getJsonArray("needs_restart"));
    assertTrue(result.getBoolean("all_ok"));
    assertTrue(result.getBoolean("restart_needed"));

    // After: every reloadable setting now decides, on the same running node.
    JsonObject again = alice().ok("task_create", new JsonObject().put("can_delegate", true));
    assertAbout(1200, again.getLong("ttl_seconds"), "tasks.default-ttl 20m");
    assertAbout(7200, alice().ok("task_create", new JsonObject().put("ttl", 7200)).getLong("ttl_seconds"),
        "tasks.max-ttl 3h");
    McpClient p2 = McpClient.bearer(node.mcpUrl(), again.getString("token"));
    assertAbout(240, p2.ok("task_delegate", new JsonObject()).getLong("ttl_seconds"), "tasks.delegate-default-ttl 4m");
    assertTrue(p2.ok("task_delegate", new JsonObject().put("bind_within", 60)).containsKey("bind_by"),
        "tasks.max-bind-window 2m");
    JsonObject all = p2.ok("task_list", new JsonObject());
    assertEquals(3, all.getInteger("count"), "tasks.list-limit 50: " + all);
    assertFalse(all.getBoolean("truncated"));
    assertEquals(200, pingFrom("https://b.example"));
    assertEquals(403, pingFrom("https://a.example"));
    // The restart setting is not applied: the node still runs with the body limit it started with.
    assertEquals(bodyLimit, node.config().http().bodyLimit());

    // The reload is audited with the keys that changed, never their values.
    Eventually.await(Duration.ofSeconds(30), "the reload in the audit trail", () -> {
      String a = Files.readString(AuditFiles.list(node.config().audit().dir()).get(0));
      return a.contains("\"event\":\"admin.node.config-reload\",\"decision\":\"allow\"")
          && a.contains("applied: http.allowed-origins, tasks.default-ttl")
          && a.contains("needs restart (not applied): http.body-limit")
          && a.contains("\"event\":\"admin.config.reload\",\"decision\":\"allow\"");
    });
    for (String line : Files.readAllLines(AuditFiles.list(node.config().audit().dir()).get(0))) {
      if (line.contains("config-reload")) {
        assertFalse(line.contains("4096") || line.contains("https://"), "no setting's value in the audit: " + line);
      }
    }
  }

  @Test
  void aFileWithProblems_isRefusedWhole_withTheProblemsStartGives() throws Exception {
    rewrite(
        "tasks:",
        "  max-ttl: 90d",
        "  list-limit: 50",
        "http.prot: 8080");
    String atStart;
    try {
      NodeConfig.load(file, Map.of());
      throw new AssertionError("the file must be refused");
    } catch (ConfigException e) {
      atStart = e.getMessage();
    }
    JsonObject refused = reloadAll().getJsonArray("nodes").getJsonObject(0);
    assertEquals("config_invalid", refused.getString("error"), refused.encode());
    assertTrue(refused.getString("message").endsWith(atStart), refused.getString("message"));
    assertTrue(atStart.contains("tasks.max-ttl must be between 1ms and 30d, got 90d"), atStart);
    assertTrue(atStart.contains("unknown setting 'http.prot' (did you mean 'http.port'?)"), atStart);
    try {
      node.reloadConfig().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("the file must be refused");
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof ConfigException, e.toString());
      assertEquals(atStart, e.getCause().getMessage());
    }
    // Nothing changed, not even the valid line: the limits of the start still decide.
    JsonObject root = alice().ok("task_create", new JsonObject().put("can_delegate", true));
    assertEquals("ttl_too_long", alice().toolError("task_create", new JsonObject().put("ttl", 7200)));
    McpClient.bearer(node.mcpUrl(), root.getString("token")).ok("task_delegate", new JsonObject());
    assertTrue(McpClient.bearer(node.mcpUrl(), root.getString("token")).ok("task_list", new JsonObject())
        .getBoolean("truncated"), "tasks.list-limit is still 1");
    Eventually.await(Duration.ofSeconds(30), "the refusal in the audit trail", () -> Files.readString(
        AuditFiles.list(node.config().audit().dir()).get(0))
        .contains("\"event\":\"admin.node.config-reload\",\"decision\":\"deny\""));
  }

  @Test
  void aSignerSocket_isAddedAndRemoved_withoutARestart() throws Exception {
    String ca = "http://127.0.0.1:" + node.port() + "/v1/ssh/ca";
    Http.Response none = Http.get(ca, Map.of());
    assertEquals(503, none.status(), "no signer anywhere yet: " + none);
    McpClient task = McpClient.bearer(node.mcpUrl(), alice().ok("task_create", new JsonObject()).getString("token"));
    assertFalse(toolNames(task).contains("exec"), "SSH is off on this node");

    Path run = Files.createTempDirectory(Path.of("/tmp"), "ephyr-reload-signer-");
    SignerServer signer = null;
    try {
      // A socket nobody listens on: refused, saying why, and nothing changes (not even the other line).
      List<String> otherLimit = new ArrayList<>(START);
      otherLimit.set(otherLimit.indexOf("  list-limit: 1"), "  list-limit: 9");
      otherLimit.add("ssh.signer-socket: " + run.resolve("nobody.sock"));
      rewrite(otherLimit.toArray(String[]::new));
      JsonObject refused = reloadAll().getJsonArray("nodes").getJsonObject(0);
      assertEquals("config_invalid", refused.getString("error"), refused.encode());
      assertTrue(refused.getString("message").contains("cannot reach the signer"), refused.getString("message"));
      assertEquals(1, node.config().tasks().listLimit());
      assertEquals(503, Http.get(ca, Map.of()).status());

      signer = SignerServer.start(CaKeyFile.generate(TestKit.RANDOM), new SignerServer.Config(run.resolve("s.sock"),
          new SignerLimits(Duration.ofMinutes(10), Set.of("deploy"), Set.of("permit-pty"), Set.of("force-command"),
              100, 100), Set.of(System.getProperty("user.name")), null),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
      rewrite(startAnd("ssh.signer-socket: " + signer.socket()));
      JsonObject linked = reloadAll().getJsonArray("nodes").getJsonObject(0);
      assertEquals(new JsonArray(List.of("ssh.signer-socket")), linked.getJsonArray("applied"), linked.encode());
      Http.Response served = Http.get(ca, Map.of());
      assertEquals(200, served.status(), served.toString());
      assertTrue(served.body().startsWith(signer.caPublicKey() + " ephyr-ca:r1"), served.body());
      assertTrue(toolNames(task).contains("exec"), "SSH is on: its tools are listed");
      assertEquals(Boolean.TRUE, task.ok("list_targets", new JsonObject()).getBoolean("enabled"));

      // The probe notices a signer that stopped while nobody needed a certificate.
      assertEquals(1.0, signerUp(), "a signer just linked answered");
      signer.close();
      signer = null;
      Eventually.await(Duration.ofSeconds(30), "ephyr_signer_up 0 once the signer is gone", () -> signerUp() == 0.0);

      rewrite(startAnd());
      JsonObject unlinked = reloadAll().getJsonArray("nodes").getJsonObject(0);
      assertEquals(new JsonArray(List.of("ssh.signer-socket")), unlinked.getJsonArray("applied"), unlinked.encode());
      assertFalse(toolNames(task).contains("exec"), "SSH is off again");
      assertEquals("ssh_disabled", task.toolError("exec", new JsonObject().put("target", "t1").put("command", "id")));
      assertTrue(Double.isNaN(signerUp()), "no signer: no value");
    } finally {
      if (signer != null) {
        signer.close();
      }
      try (java.util.stream.Stream<Path> walk = Files.walk(run)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** This node's {@code ephyr_signer_up}, scraped. */
  private double signerUp() throws Exception {
    String scrape = Http.get("http://127.0.0.1:" + node.port() + "/metrics", Map.of()).body();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^ephyr_signer_up(?:\\{[^}]*\\})? (\\S+)$")
        .matcher(scrape);
    assertTrue(m.find(), "ephyr_signer_up not exported");
    return Double.parseDouble(m.group(1));
  }

  private static List<String> toolNames(McpClient c) {
    return McpEndpointTest.names(c.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"));
  }

  @Test
  void requestsFlowingDuringReloads_allSucceed() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger done = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    // One caller is enough to overlap every reload (the machine's two cores are shared).
    Thread caller = new Thread(() -> {
      McpClient a = alice();
      while (!stop.get()) {
        try {
          // Allowed under both files: 10 minutes is below either maximum.
          a.ok("task_create", new JsonObject().put("ttl", 600));
          done.incrementAndGet();
        } catch (Throwable e) {
          failures.add(e.toString());
        }
      }
    });
    caller.start();
    try {
      for (int i = 0; i < 10; i++) {
        rewrite("tasks:", "  max-ttl: " + (i % 2 == 0 ? "2h" : "1h"), "  default-ttl: " + (i % 2 == 0 ? "5m" : "10m"));
        ConfigChanges c = node.reloadConfig().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(c.applied().contains("tasks.max-ttl"), c.summary());
        int before = done.get();
        Eventually.await(Duration.ofSeconds(30), "a request served after reload " + i, () -> done.get() > before);
      }
    } finally {
      stop.set(true);
      caller.join(30_000);
    }
    assertEquals(List.of(), failures);
    assertTrue(done.get() >= 10, "requests served: " + done.get());
  }
}
