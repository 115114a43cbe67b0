package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ephyr admin config-reload} against a node run by {@code ephyr node}: a table per node, exit 0 when all
 * applied, 3 when a changed setting waits for a restart, 1 with every problem when a file is refused.
 */
class AdminConfigReloadCliTest {
  @TempDir Path dir;

  @Test
  void configReload_saysWhatWasApplied_whatWaits_andWhatIsWrong() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("keys", "init", "keyring.json").code());
    JsonObject agent = new JsonObject(h.run("agent-key", "--agent", "demo", "--json").out().trim());
    CliHarness.Result adminKey = h.run("admin", "key", "--admin", "ops", "--out", "admin.key");
    Matcher hash = Pattern.compile("ops: \\{ credential: \"(sha256:[0-9a-f]{64})\" }").matcher(adminKey.out());
    assertTrue(hash.find(), adminKey.out());
    Files.writeString(dir.resolve("policy.yaml"), String.join("\n", "version: 1", "agents:", "  demo:",
        "    api_keys: [\"" + agent.getString("hash") + "\"]", "admins:",
        "  ops: { credential: \"" + hash.group(1) + "\" }", ""));
    String head = String.join("\n", "node: { id: c1, data-dir: data, keyring: keyring.json, policy: policy.yaml }",
        "http: { host: 127.0.0.1, port: 0 }", "vertx: { event-loops: 2 }",
        "cluster: { bind-host: 127.0.0.1, port: 0 }", ""); // alone, on a free port
    Files.writeString(dir.resolve("node.yaml"), head);
    CliHarness runner = new CliHarness(dir);
    OutputWatch out = new OutputWatch("serving MCP at");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> runner.run(out, err, "", "node",
        "--config", "node.yaml"));
    try {
      CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
      assertTrue(out.seen.isDone(), "node did not start: " + out.text() + err.text());
      Matcher port = Pattern.compile("127\\.0\\.0\\.1:(\\d+)/mcp").matcher(out.text());
      assertTrue(port.find(), out.text());
      CliHarness op = new CliHarness(dir);
      op.env.put("EPHYR_ADMIN_KEY_FILE", "admin.key");
      op.env.put("EPHYR_ADMIN_URL", "http://127.0.0.1:" + port.group(1));

      Files.writeString(dir.resolve("node.yaml"), head + "tasks: { list-limit: 20 }\n");
      CliHarness.Result applied = op.run("admin", "config-reload", "--all");
      assertEquals(0, applied.code(), applied.all());
      assertTrue(applied.out().lines().anyMatch(l -> l.matches("c1 +reloaded +applied tasks\\.list-limit")),
          applied.out());

      Files.writeString(dir.resolve("node.yaml"), head + "tasks: { list-limit: 20 }\nhttp.body-limit: 4096\n");
      CliHarness.Result waits = op.run("admin", "config-reload", "--node", "c1");
      assertEquals(3, waits.code(), waits.all());
      assertTrue(waits.out().lines().anyMatch(l -> l.matches(
          "c1 +RESTART +needs restart \\(not applied\\): http\\.body-limit")), waits.out());

      Files.writeString(dir.resolve("node.yaml"), head + "tasks: { list-limit: 0, max-tl: 1h }\n");
      CliHarness.Result refused = op.run("admin", "config-reload", "--all");
      assertEquals(1, refused.code(), refused.all());
      assertTrue(refused.out().contains("REFUSED") && refused.out().contains("config_invalid")
          && refused.out().contains("unknown setting 'tasks.max-tl' (did you mean 'tasks.max-ttl'?)")
          && refused.out().contains("tasks.list-limit must be an integer between 1 and 10000, got 0"), refused.all());
      assertTrue(refused.err().contains("some nodes kept their configuration"), refused.err());
    } finally {
      runner.stop.fire();
      assertEquals(0, exit.get(60, TimeUnit.SECONDS), out.text() + err.text());
    }
  }
}
