package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ephyr.broker.boot.Node;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose state directory fills up: changes are refused with a clear 503 and nothing is acknowledged that
 * is not on disk, while tokens keep verifying from memory, and the metrics say so. Needs root for a small tmpfs
 * (CI runs the tests as root).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class FullDiskTest {
  private final TestKit kit = new TestKit();
  private Path mnt;
  private Node node;

  @AfterEach
  void stop() throws Exception {
    TestKit.close(node);
    if (mnt != null) {
      new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void fullStateDisk_changesRefusedWith503_tokensKeepVerifying_metricsSaySo() throws Exception {
    mnt = mountSmallTmpfs();
    int clusterPort = TestKit.freePort();
    node = TestKit.start(kit.config("full", clusterPort, List.of(clusterPort))
        .set("state.dir", mnt.resolve("state").toString()).build());
    TestKit.awaitReady(node);
    String mcp = "http://127.0.0.1:" + node.port() + "/mcp";
    String taskId = McpClient.bearer(mcp, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600))
        .getString("task_id");
    String other = McpClient.bearer(mcp, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600))
        .getString("token");

    fill(mnt.resolve("filler"));
    Http.Response revoke = Http.post("http://127.0.0.1:" + node.port() + "/v1/tasks/" + taskId + "/revoke",
        Map.of("Authorization", "Bearer " + kit.aliceKey, "Content-Type", "application/json"), "{}");
    assertEquals(503, revoke.status(), revoke.toString());
    assertEquals("state_unwritable", revoke.json().getString("error"), revoke.toString());

    assertTrue(revoke.json().getString("message").contains("not acknowledged"), revoke.toString());
    // Verification needs no write: other tokens keep working from memory. (The refused revoke itself may
    // already be in force in memory; it is only not durable, so it is not acknowledged.)
    Http.Response info = McpClient.bearer(mcp, other).call("task_info", null);
    assertEquals(200, info.status(), info.toString());
    assertTrue(info.body().contains("\"isError\":false"), info.body());
    // A new task is refused the same way (its record could not be made durable).
    Http.Response create = McpClient.bearer(mcp, kit.aliceKey).call("task_create", new JsonObject().put("ttl", 60));
    assertTrue(create.status() == 503 || create.body().contains("state_unwritable"), create.toString());

    String metrics = Http.get("http://127.0.0.1:" + node.port() + "/metrics", Map.of()).body();
    assertTrue(metrics.contains("\nephyr_state_writable 0"), metrics);
  }

  private static void fill(Path filler) throws IOException {
    byte[] block = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      for (int i = 0; i < 1 << 20; i++) { // bounded: at most 4 GiB, far above the tmpfs size
        out.write(block);
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
      return;
    }
    throw new AssertionError("the tmpfs never filled up");
  }

  private static Path mountSmallTmpfs() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean ci = "true".equals(System.getenv("CI"));
    if (!root) {
      if (ci) {
        throw new AssertionError("mounting a tmpfs needs root; CI runs the tests as root");
      }
      assumeTrue(false, "mounting a small tmpfs needs root: run the tests as root to cover a full disk");
    }
    Path dir = Files.createTempDirectory("ephyr-full-disk");
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir.toString())
        .redirectErrorStream(true).start();
    boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    if (!mounted) {
      String hint = "cannot mount a tmpfs here: " + new String(p.getInputStream().readAllBytes()).trim();
      if (ci) {
        throw new AssertionError(hint);
      }
      assumeTrue(false, hint);
    }
    return dir;
  }
}
