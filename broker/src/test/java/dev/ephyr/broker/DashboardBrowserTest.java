package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): an operator signs in, sees
 * the task tree an agent created, revokes it after a preview of what dies, the agent's next call fails, and
 * the refusal arrives in the live audit stream; after signing out, the old cookie is refused. Screenshots go
 * to {@code target/screenshots/dashboard/}.
 */
class DashboardBrowserTest {
  private static final Path SCRIPT_DIR = Path.of("src", "test", "browser").toAbsolutePath();
  private static final Path SCREENSHOTS = Path.of("target", "screenshots", "dashboard").toAbsolutePath();
  private static final String CHROMIUM = System.getenv().getOrDefault("EPHYR_CHROMIUM", "/usr/bin/chromium");

  @Test
  void operatorRevokesATreeAndSeesTheRefusalLive() throws Exception {
    requireBrowserTools();
    TestKit kit = new TestKit();
    String adminKey = ApiKeys.generate(TestKit.RANDOM);
    Files.writeString(kit.dir.resolve("policy.yaml"),
        kit.policyYaml() + "admins:\n  ops:\n    credential: \"" + ApiKeys.hash(adminKey) + "\"\n");
    int clusterPort = TestKit.freePort();
    Node node = TestKit.start(kit.config("n1", clusterPort, List.of(clusterPort)).build());
    Process browser = null;
    try {
      TestKit.awaitReady(node);
      String base = node.publicUrl();
      JsonObject root = new JsonObject(Http.post(base + "/v1/tasks", Map.of("Authorization", "Bearer " + kit.aliceKey,
          "Content-Type", "application/json"), new JsonObject().put("description", "deploy the blog")
          .put("can_delegate", true).put("max_depth", 2).encode()).body());
      JsonObject child = new JsonObject(Http.post(base + "/v1/tasks/delegate", Map.of("Authorization", "Bearer "
          + root.getString("token"), "Content-Type", "application/json"), new JsonObject()
          .put("description", "run the tests").encode()).body());
      String childToken = child.getString("token");
      assertEquals(200, Http.get(base + "/v1/tasks/" + child.getString("task_id"),
          Map.of("Authorization", "Bearer " + childToken)).status());

      Files.createDirectories(SCREENSHOTS);
      ProcessBuilder pb = new ProcessBuilder("node", "dashboard.mjs").directory(SCRIPT_DIR.toFile())
          .redirectErrorStream(true);
      pb.environment().putAll(Map.of("EPHYR_URL", base, "EPHYR_ADMIN_KEY", adminKey,
          "EPHYR_ROOT_TASK", root.getString("task_id"), "EPHYR_CHILD_TASK", child.getString("task_id"),
          "EPHYR_SCREENSHOTS", SCREENSHOTS.toString(), "EPHYR_CHROMIUM", CHROMIUM));
      browser = pb.start();
      BlockingQueue<String> lines = reader(browser);
      expect(lines, "READY");
      String revoked = expect(lines, "REVOKED");
      assertEquals("REVOKED " + root.getString("task_id") + " 2", revoked, "the preview names the root and its child");

      Http.Response after = Http.get(base + "/v1/tasks/" + child.getString("task_id"),
          Map.of("Authorization", "Bearer " + childToken));
      assertEquals(401, after.status(), after.body());
      assertTrue(after.body().contains("revoked"), after.body());
      try (Writer w = new OutputStreamWriter(browser.getOutputStream(), StandardCharsets.UTF_8)) {
        w.write("AGENT_CALLED\n");
        w.flush();
        assertEquals("SIGNED_OUT 401", expect(lines, "SIGNED_OUT"), "after sign-out the old cookie is refused");
        expect(lines, "DONE");
      }
      assertTrue(browser.waitFor(60, TimeUnit.SECONDS), "the browser script did not exit");
      assertEquals(0, browser.exitValue());
      for (String shot : List.of("1-sign-in.png", "2-task-tree.png", "3-revoke-preview.png", "4-live-audit.png",
          "5-signed-out.png")) {
        assertTrue(Files.size(SCREENSHOTS.resolve(shot)) > 1000, shot);
      }
      assertEquals(0, node.blockedThreadWarnings());
    } finally {
      if (browser != null) {
        browser.destroyForcibly();
      }
      TestKit.close(node);
    }
  }

  /** Skips with an install hint where the tools are missing, but fails under CI=true. */
  private static void requireBrowserTools() {
    String missing = null;
    if (!Files.isExecutable(Path.of(CHROMIUM))) {
      missing = CHROMIUM + " (apt-get install chromium)";
    } else if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules").resolve("playwright-core"))) {
      missing = "playwright-core (cd broker/src/test/browser && npm ci)";
    } else if (!onPath("node")) {
      missing = "node (apt-get install nodejs)";
    }
    if (missing != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail("the dashboard browser test needs " + missing);
      }
      Assumptions.abort("skipped: needs " + missing);
    }
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static BlockingQueue<String> reader(Process p) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          System.out.println("[browser] " + line);
          q.add(line);
        }
      } catch (IOException ignored) {
        // the process went away; the test notices by the missing line
      }
      q.add("EOF");
    }, "browser-output");
    t.setDaemon(true);
    t.start();
    return q;
  }

  /** The next protocol line starting with {@code prefix}; fails on FAIL, EOF or after two minutes. */
  private static String expect(BlockingQueue<String> lines, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        fail("no '" + prefix + "' from the browser script within two minutes");
      }
      if (line.startsWith(prefix)) {
        return line;
      }
      if (line.startsWith("FAIL") || line.equals("EOF")) {
        fail("the browser script failed while waiting for '" + prefix + "': " + line
            + " (screenshots in " + SCREENSHOTS + ")");
      }
    }
  }
}
