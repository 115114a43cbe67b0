package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
