package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr admin status} exits non-zero when the cluster is not healthy, so a health check can use it. */
class AdminStatusExitTest {
  @TempDir Path dir;

  private static int freePort() {
    return FreePorts.next();
  }

  private static JsonObject node(String id, boolean ready) {
    return new JsonObject().put("node", id).put("ready", ready).put("policy_drift", false).put("keyring_mismatch", false)
        .put("audit", new JsonObject().put("failing", false)).put("state_store", new JsonObject().put("writable", true));
  }

  @Test
  void grading_ofTheApisAnswer() {
    JsonObject healthy = new JsonObject().put("quorum_present", true)
        .put("nodes", new JsonArray().add(node("n1", true)).add(node("n2", true)));
    AdminStatus status = new AdminStatus();
    assertEquals(0, status.exitCode(healthy));
    assertEquals(3, status.exitCode(healthy.copy().put("nodes", new JsonArray().add(node("n1", true))
        .add(node("n2", false)))));
    assertEquals(3, status.exitCode(healthy.copy().put("nodes", new JsonArray().add(node("n1", true))
        .add(node("n2", true).put("policy_drift", true)))));
    assertEquals(3, status.exitCode(healthy.copy().put("nodes", new JsonArray().add(node("n1", true))
        .add(new JsonObject().put("node", "n2").put("error", "timeout")))));
    assertEquals(3, status.exitCode(healthy.copy().put("nodes", new JsonArray().add(node("n1", true)
        .put("state_store", new JsonObject().put("writable", false))))));
    assertEquals(4, status.exitCode(healthy.copy().put("quorum_present", false)));
    assertEquals(List.of("no quorum", "n2 not ready"), AdminStatus.health(healthy.copy().put("quorum_present", false)
        .put("nodes", new JsonArray().add(node("n1", true)).add(node("n2", false)))));
  }

  @Test
  void aNodeWithoutItsQuorum_exits4() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("init", "--nodes", "1", "--dir", "c", "--no-ssh", "--http-port", "" + freePort(),
        "--cluster-port", "" + freePort()).code());
    // Two members configured, one started: the quorum (two) is never present.
    Path yaml = dir.resolve("c/n1/node.yaml");
    String text = Files.readString(yaml);
    Matcher m = Pattern.compile("members: \"(127\\.0\\.0\\.1:\\d+)\"").matcher(text);
    assertTrue(m.find(), text);
    Files.writeString(yaml, text.replace(m.group(0), "members: \"" + m.group(1) + ",127.0.0.1:" + freePort() + "\""));
    CliHarness runner = new CliHarness(dir);
    OutputWatch out = new OutputWatch("serving MCP at");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> runner.run(out, err, "", "node", "--config",
        yaml.toString()));
    try {
      CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
      assertTrue(out.seen.isDone(), out.text() + err.text());
      Matcher port = Pattern.compile("127\\.0\\.0\\.1:(\\d+)/mcp").matcher(out.text());
      assertTrue(port.find(), out.text());
      CliHarness op = new CliHarness(dir);
      op.env.put("EPHYR_ADMIN_KEY_FILE", dir.resolve("c/admin.key").toString());
      String url = "http://127.0.0.1:" + port.group(1);
      CliHarness.Result status = op.run("admin", "status", "--url", url);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (status.code() == 1 && System.nanoTime() < deadline) { // the admin API may still be coming up
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        status = op.run("admin", "status", "--url", url);
      }
      assertEquals(4, status.code(), status.all());
      assertTrue(status.out().contains("(NOT PRESENT)") && status.out().contains("Health:  NO QUORUM"), status.all());
      CliHarness.Result json = op.run("admin", "status", "--url", url, "--json");
      assertEquals(4, json.code(), json.all());
      assertEquals(false, new JsonObject(json.out()).getValue("quorum_present"));
    } finally {
      runner.stop.fire();
      exit.get(60, TimeUnit.SECONDS);
    }
  }
}
