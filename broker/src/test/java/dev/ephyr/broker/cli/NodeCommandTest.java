package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.audit.AuditBacklog;
import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.broker.audit.AuditKeys;
import dev.ephyr.broker.audit.AuditSettings;
import dev.ephyr.broker.audit.AuditStats;
import dev.ephyr.broker.audit.AuditVerticle;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.function.UnaryOperator;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCommandTest {
  @TempDir Path dir;

  @Test
  void node_runsFromAConfigFile_andStopsOnTheSignal() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("keys", "init", "keyring.json").code());
    try (InputStream in = getClass().getResourceAsStream("/policy-example.yaml")) {
      Files.write(dir.resolve("policy.yaml"), in.readAllBytes());
    }
    Files.writeString(dir.resolve("node.yaml"), """
        node:
          id: n-test
          data-dir: data
          keyring: keyring.json
          policy: policy.yaml
        http:
          host: 127.0.0.1
          port: 0
        cluster:
          bind-host: 127.0.0.1
          port: 0
        """);
    OutputWatch out = new OutputWatch("serving MCP at");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> h.run(out, err, "", "node", "--config",
        "node.yaml"));
    try {
      CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
      assertTrue(out.seen.isDone(), "node did not start: exit " + exit.getNow(null) + "\n" + out.text() + err.text());
      assertTrue(out.text().matches("(?s)node n-test serving MCP at http://127\\.0\\.0\\.1:\\d+/mcp\n.*"), out.text());
    } finally {
      h.stop.fire();
      assertEquals(0, exit.get(60, TimeUnit.SECONDS), out.text() + err.text());
    }
  }

  @Test
  void node_withABadPolicy_failsOnOneLineNamingTheLine() throws Exception {
    CliHarness h = new CliHarness(dir);
    h.run("keys", "init", "keyring.json");
    Files.writeString(dir.resolve("policy.yaml"), "version: 1\nagents:\n  x: { tagets: [] }\n");
    Files.writeString(dir.resolve("node.yaml"), "node: { keyring: keyring.json, policy: policy.yaml }\n"
        + "http: { port: 0 }\ncluster: { port: 0, bind-host: 127.0.0.1 }\n");
    CliHarness.Result r = h.run("node", "--config", "node.yaml");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains("policy.yaml:3: unknown key 'tagets' in agents.x (did you mean 'targets'?)"), r.err());
    assertEquals(1, r.err().lines().filter(l -> l.startsWith("ephyr node:")).count(), r.err());
  }

  /** A node's trail in {@code data/audit} as a previous run left it (start and stop records, and the head). */
  private void previousTrail(String node) throws Exception {
    Keyring keyring = Keyring.parse(Files.readAllBytes(dir.resolve("keyring.json")));
    Vertx vertx = Vertx.vertx();
    try {
      vertx.deployVerticle(new AuditVerticle(new AuditSettings(node, dir.resolve("data/audit"), 1 << 20, false,
          AuditKeys.of(keyring)), new AuditBacklog(100), new AuditStats(), Clock.systemUTC(), UnaryOperator.identity()),
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void node_onATrailWhoseHeadWasDeleted_refusesOnOneLine_andStartsOnlyWhenToldTo_recordingIt() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("keys", "init", "keyring.json").code());
    try (InputStream in = getClass().getResourceAsStream("/policy-example.yaml")) {
      Files.write(dir.resolve("policy.yaml"), in.readAllBytes());
    }
    Files.writeString(dir.resolve("node.yaml"), "node: { id: n-head, data-dir: data, keyring: keyring.json,"
        + " policy: policy.yaml }\nhttp: { host: 127.0.0.1, port: 0 }\ncluster: { port: 0, bind-host: 127.0.0.1 }\n");
    previousTrail("n-head");
    Files.delete(dir.resolve("data/audit").resolve(AuditFiles.HEAD));

    CliHarness.Result verify = h.run("audit", "verify", "--keyring", "keyring.json", "data/audit");
    assertEquals(1, verify.code(), verify.all());
    assertTrue(verify.out().startsWith("BROKEN: ") && verify.out().contains("audit.head: head file missing"),
        verify.all());
    CliHarness.Result chainOnly = h.run("audit", "verify", "--keyring", "keyring.json", "--no-head", "data/audit");
    assertEquals(0, chainOnly.code(), chainOnly.all());
    assertTrue(chainOnly.out().contains("records cut from the end would not show"), chainOnly.all());

    CliHarness.Result refused = h.run("node", "--config", "node.yaml");
    assertEquals(1, refused.code(), refused.all());
    List<String> lines = refused.err().lines().filter(l -> l.startsWith("ephyr node:")).toList();
    assertEquals(1, lines.size(), refused.err());
    assertTrue(lines.get(0).contains("head file audit.head is missing")
        && lines.get(0).contains("--accept-missing-audit-head") && lines.get(0).contains("audit.accept-missing-head"),
        lines.get(0));

    OutputWatch out = new OutputWatch("serving MCP at");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> h.run(out, err, "", "node", "--config",
        "node.yaml", "--accept-missing-audit-head"));
    try {
      CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
      assertTrue(out.seen.isDone(), "node did not start: exit " + exit.getNow(null) + "\n" + out.text() + err.text());
    } finally {
      h.stop.fire();
      assertEquals(0, exit.get(60, TimeUnit.SECONDS), out.text() + err.text());
    }
    CliHarness.Result after = h.run("audit", "verify", "--keyring", "keyring.json", "data/audit");
    assertEquals(0, after.code(), after.all());
    String trail = Files.readString(AuditFiles.list(dir.resolve("data/audit")).get(0));
    assertTrue(trail.contains("\"event\":\"audit.head-accepted\"") && trail.contains("\"reason\":\"head_missing\""),
        trail);
  }
}
