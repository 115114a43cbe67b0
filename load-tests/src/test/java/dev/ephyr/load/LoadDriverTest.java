package dev.ephyr.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the load driver for real against broker processes: a short run of every cluster scenario must
 * finish with zero requests accepted after an acknowledged revoke and leave no process behind, also when
 * the driver itself is killed.
 */
class LoadDriverTest {
  private static final Path JAR = Path.of("..", "broker", "target", "ephyr.jar").toAbsolutePath().normalize();

  @BeforeAll
  static void brokerJarIsBuilt() {
    // The reactor builds the broker (and its jar) before this module; alone, this module cannot run nodes.
    if (!Files.isRegularFile(JAR)) {
      fail(JAR + " is missing: run 'mvn -B verify' from the repository root (the broker module builds it)");
    }
  }

  @Test
  void quickRunOfEveryClusterScenario(@TempDir Path out) throws Exception {
    int code = LoadMain.run(List.of("--nodes", "3", "--duration", "3s", "--warmup", "1s", "--concurrency", "8",
        "--revocations", "60", "--scenarios", "verify-bearer,verify-dpop,churn,revocation-race,task-ops,node-loss",
        "--broker-jar", JAR.toString(), "--out", out.toString()));
    JsonObject report = new JsonObject(Files.readString(out.resolve("report.json")));
    assertEquals(0, code, "exit code; report: " + report.encodePrettily());
    assertTrue(Files.readString(out.resolve("report.html")).contains("<svg"));
    assertEquals(0, report.getLong("accepted_after_acknowledged_revoke"));
    JsonArray scenarios = report.getJsonArray("scenarios");
    assertEquals(7, scenarios.size());
    assertEquals("baseline", scenarios.getJsonObject(0).getString("scenario"), "the baseline runs first");
    for (Object o : scenarios) {
      JsonObject s = (JsonObject) o;
      assertTrue(!s.containsKey("error"), s.encode());
      if (s.getString("scenario").equals(TaskOpsScenario.NAME)) {
        // One row per operation, each with the cluster's CPU per operation and the driver's beside it.
        JsonArray rows = s.getJsonArray("rows");
        assertEquals(List.of("create", "delegate", "bind", "revoke"), rows.stream()
            .map(r -> ((JsonObject) r).getString("call")).toList(), s.encode());
        for (Object o2 : rows) {
          JsonObject row = (JsonObject) o2;
          assertTrue(row.getLong("accepted") > 0, row.encode());
          assertTrue(row.getDouble("cpu_us_per_request") > 0, row.encode());
          assertTrue(row.containsKey("driver_cpu_us_per_request"), row.encode());
          assertTrue(row.getJsonObject("vs_baseline").getDouble("cpu_per_request") > 0, row.encode());
        }
        continue;
      }
      assertTrue(s.getJsonObject("result").getLong("accepted") > 0, s.getString("scenario") + " accepted nothing");
      JsonArray stats = s.getJsonArray("node_stats");
      assertEquals("driver", stats.getJsonObject(stats.size() - 1).getString("node"), "the driver's CPU beside");
      if (!s.getString("scenario").equals("baseline")) {
        assertTrue(s.getJsonObject("vs_baseline").getDouble("throughput") > 0, s.encode());
      }
    }
    JsonObject race = scenarios.getJsonObject(4);
    assertTrue(race.getLong("revocations") >= 60, race.encode());
    assertTrue(race.getLong("requests_after_ack") >= race.getLong("revocations") * 3,
        "every acknowledged revoke is probed on every node: " + race.encode());
    assertEquals(race.getLong("requests_after_ack"), race.getLong("refused_after_ack"));
    JsonObject bearer = scenarios.getJsonObject(1).getJsonObject("result");
    assertEquals(bearer.getLong("requests"), bearer.getLong("accepted"), bearer.encode());
    // Proofs signed before the measured phase still pass every check (window, htu per node, replay): none refused.
    JsonObject dpop = scenarios.getJsonObject(2);
    assertEquals(dpop.getJsonObject("result").getLong("requests"), dpop.getJsonObject("result").getLong("accepted"),
        dpop.encode());
    assertTrue(dpop.getJsonObject("proofs").getLong("signed_before_phase") > 0, dpop.encode());
    assertTrue(dpop.getString("what").contains("signed before the measured phase"), dpop.encode());
    JsonObject loss = scenarios.getJsonObject(6);
    assertEquals(0, loss.getLong("survivor_errors"), "survivors refused requests: " + loss.encode());
    awaitNoDescendants();
  }

  @Test
  void killedDriverLeavesNoNodeBehind(@TempDir Path out) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LoadMain.class.getName(), "--nodes", "2", "--duration", "1h",
        "--warmup", "0s", "--concurrency", "2", "--scenarios", "verify-bearer", "--broker-jar", JAR.toString(),
        "--out", out.toString()));
    Process driver = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && !line.contains("cluster ready")) {
        // wait for the nodes
      }
      if (line == null) {
        fail("the driver exited before its cluster was ready: " + driver.waitFor());
      }
      List<ProcessHandle> nodes = driver.descendants().toList();
      assertTrue(nodes.size() >= 2, "node processes: " + nodes);
      driver.destroyForcibly(); // SIGKILL: no shutdown hook runs; the nodes must notice on their own
      driver.waitFor(30, TimeUnit.SECONDS);
      try {
        allExited(nodes).get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        nodes.forEach(ProcessHandle::destroyForcibly);
        fail("node processes outlived their killed driver");
      }
    } finally {
      driver.destroyForcibly();
    }
  }

  private static void awaitNoDescendants() throws InterruptedException, ExecutionException {
    List<ProcessHandle> left = ProcessHandle.current().descendants().toList();
    try {
      allExited(left).get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("processes left behind: " + left.stream().filter(ProcessHandle::isAlive)
          .map(p -> p.info().commandLine().orElse("?")).toList());
    }
  }

  /** Completes when every one of {@code processes} has exited (at once for those already gone). */
  private static CompletableFuture<Void> allExited(List<ProcessHandle> processes) {
    return CompletableFuture.allOf(processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
  }
}
