package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.testing.ChildJvm;
import dev.ephyr.testing.Eventually;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ephyr node} as operators run it, in its own process: SIGHUP reloads its configuration file (applying what
 * may change live, naming what needs a restart, refusing a broken file) and never stops the node.
 */
class HangupReloadTest {

  /**
   * A child inherits an ignored SIGHUP (a build started under {@code nohup}), and a JVM cannot take an ignored
   * signal back: say so instead of timing out on a reload that can never come.
   */
  private static void requireHangupNotIgnored() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        long ignored = Long.parseLong(line.substring("SigIgn:".length()).trim(), 16);
        assertTrue((ignored & 1) == 0, "SIGHUP is ignored in this process (started under nohup?), so the node "
            + "it starts cannot receive one; run the build without nohup");
      }
    }
  }

  private static void hangup(Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
    assertTrue(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP failed");
  }

  @Test
  void sighup_reloadsTheFile_andTheNodeKeepsRunning() throws Exception {
    requireHangupNotIgnored();
    TestKit kit = new TestKit();
    Path file = kit.dir.resolve("node.yaml");
    String head = String.join("\n", "node: {id: h1, data-dir: h1, keyring: keyring.json, policy: policy.yaml}",
        "http: {host: 127.0.0.1, port: 0}", "vertx: {event-loops: 2}",
        "cluster: {name: " + kit.clusterName + ", bind-host: 127.0.0.1, port: 0}", ""); // alone, on a free port
    Files.writeString(file, head + "tasks.list-limit: 1\n");
    Path log = kit.dir.resolve("h1.log");
    Process node = ChildJvm.start("256m", "dev.ephyr.broker.cli.Main", List.of("node", "--config", file.toString()),
        log);
    StringBuffer out = new StringBuffer();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          out.append(line).append('\n');
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    }, "h1-stdout");
    pump.setDaemon(true);
    pump.start();
    try {
      Eventually.await(Duration.ofSeconds(120), "the node serving", () -> {
        assertTrue(node.isAlive(), "the node exited: " + Files.readString(log));
        return out.toString().contains("serving MCP at");
      });

      Files.writeString(file, head + "tasks.list-limit: 7\nhttp.body-limit: 4096\n");
      hangup(node);
      Eventually.await(Duration.ofSeconds(60), "the reload on stderr", () -> Files.readString(log).contains(
          "configuration reload (SIGHUP): applied: tasks.list-limit; needs restart (not applied): http.body-limit"));

      Files.writeString(file, head + "tasks.list-limit: 0\n");
      hangup(node);
      Eventually.await(Duration.ofSeconds(60), "the refusal on stderr", () -> Files.readString(log).contains(
          "configuration reload (SIGHUP) refused, nothing changed: " + file + ":5: tasks.list-limit must be an"
          + " integer between 1 and 10000, got 0"));
      assertTrue(node.isAlive(), "a hangup must not stop the node");

      // Both reloads are in the node's audit trail, keys only.
      Path audit = kit.dir.resolve("h1").resolve("audit");
      Eventually.await(Duration.ofSeconds(60), "both reloads audited", () -> {
        List<Path> files = Files.isDirectory(audit) ? AuditFiles.list(audit) : List.of();
        String trail = files.isEmpty() ? "" : Files.readString(files.get(files.size() - 1));
        return trail.contains("\"event\":\"config.reload\",\"decision\":\"allow\"")
            && trail.contains("\"event\":\"config.reload\",\"decision\":\"deny\"");
      });
    } finally {
      node.destroy(); // SIGTERM: a clean stop
      if (!node.waitFor(60, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
