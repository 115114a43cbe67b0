package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator uses it: unpack {@code target/ephyr-<version>.tar.gz} (built by
 * {@code package}; failsafe runs this after it), {@code bin/ephyr init --nodes 3} on loopback, start the three
 * nodes with {@code bin/ephyr node} (no Maven, no test classpath), create a task on n1, revoke it on n2, and see
 * n3 refuse its token.
 */
class ReleaseArchiveIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  private final List<Process> nodes = new ArrayList<>();

  private record Run(int code, String out, String err) {}

  private Run run(Path ephyr, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ephyr.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ephyr " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @AfterEach
  void stopNodes() throws InterruptedException {
    nodes.forEach(Process::destroy); // SIGTERM: the clean stop systemd would send
    for (Process p : nodes) {
      if (!p.waitFor(40, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void initThreeNodes_runFromTheArchive_createOnOne_revokeOnAnother_refusedOnTheThird() throws Exception {
    Path home = ReleaseArchive.unpack(dir);
    Path ephyr = home.resolve("bin/ephyr");
    Map<String, String> env = ReleaseArchive.smallJvmEnv();

    int http = FreePorts.run(3);
    int cluster = FreePorts.run(3);
    Run init = run(ephyr, env, "init", "--nodes", "3", "--hosts", "127.0.0.1,127.0.0.1,127.0.0.1", "--dir", "lab",
        "--no-ssh", "--cluster-name", "archive-" + http, "--http-port", "" + http, "--cluster-port", "" + cluster);
    assertEquals(0, init.code(), init.err());
    assertTrue(init.out().contains(ephyr + " node --config " + dir.resolve("lab/n1/node.yaml")), init.out());

    // As init says: one `bin/ephyr node --config ...` per node; small JVMs, one event loop each (an operator's
    // EPHYR_* override), stopped by SIGTERM or when this test's JVM goes away (--watch-parent).
    for (int i = 1; i <= 3; i++) {
      List<String> cmd = List.of(ephyr.toString(), "node", "--config", dir.resolve("lab/n" + i + "/node.yaml").toString(),
          "--watch-parent");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
      pb.environment().putAll(env);
      pb.environment().put("EPHYR_VERTX_EVENT_LOOPS", "1");
      pb.environment().put("EPHYR_HTTP_INSTANCES", "1");
      Path log = dir.resolve("n" + i + ".log");
      nodes.add(pb.redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }
    List<String> urls = List.of("http://127.0.0.1:" + http, "http://127.0.0.1:" + (http + 1),
        "http://127.0.0.1:" + (http + 2));
    for (int i = 0; i < 3; i++) {
      String u = urls.get(i);
      Process p = nodes.get(i);
      String name = "n" + (i + 1);
      Path log = dir.resolve(name + ".log");
      Eventually.await(WAIT, u + " ready", () -> {
        if (!p.isAlive()) {
          throw new AssertionError("node " + name + " exited:\n" + Files.readString(log));
        }
        return Http.get(u + "/readyz", Map.of()).status() == 200;
      });
    }

    String key = Files.readString(dir.resolve("lab/agent.key"), StandardCharsets.UTF_8).strip();
    Map<String, String> asAgent = Map.of("Authorization", "Bearer " + key, "Content-Type", "application/json");
    Http.Response created = Http.post(urls.get(0) + "/v1/tasks", asAgent, "{\"description\":\"archive\",\"ttl\":\"30m\"}");
    assertEquals(201, created.status(), created.toString());
    String task = created.json().getString("task_id");
    String token = created.json().getString("token");
    Map<String, String> withToken = Map.of("Authorization", "Bearer " + token);
    assertEquals(200, Http.get(urls.get(2) + "/v1/tasks/" + task, withToken).status(), "n3 accepts the token first");

    Http.Response revoked = Http.post(urls.get(1) + "/v1/tasks/" + task + "/revoke", asAgent, "{}");
    assertEquals(200, revoked.status(), revoked.toString());
    assertEquals(Boolean.TRUE, revoked.json().getBoolean("acknowledged_by_all"), revoked.toString());

    Http.Response refused = Http.get(urls.get(2) + "/v1/tasks/" + task, withToken);
    assertEquals(401, refused.status(), refused.toString());
    assertEquals("revoked", new JsonObject(refused.body()).getString("error"), refused.toString());

    // The admin credential init wrote works against the cluster, through the archive's launcher.
    Map<String, String> adminEnv = new java.util.HashMap<>(env);
    adminEnv.put("EPHYR_ADMIN_KEY_FILE", dir.resolve("lab/admin.key").toString());
    Run status = run(ephyr, adminEnv, "admin", "status", "--url", urls.get(0));
    assertEquals(0, status.code(), status.out() + status.err());
    assertTrue(status.out().contains("n1") && status.out().contains("n3"), status.out());
  }
}
