package dev.ephyr.load;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The run's yardstick: the verify scenario's driver, connections and concurrency against {@link BaselineServer}
 * (same request body, a reply of the broker's size, nothing verified). Every other scenario is reported as a
 * ratio to it, so figures from a noisy machine compare within a run.
 */
final class BaselineScenario {
  static final String NAME = "baseline";
  private static final String TOKEN = "baseline-not-checked";

  private BaselineScenario() {}

  /**
   * Starts the server with the same JVM flags the nodes get, drives it, stops it.
   *
   * @param replyBytes the size of the broker's {@code task_info} reply in this run
   */
  static JsonObject run(Workload broker, List<String> jvmOpens, int replyBytes) throws IOException, InterruptedException {
    Process server = start(jvmOpens, replyBytes);
    try {
      String url = "http://127.0.0.1:" + awaitPort(server);
      Workload w = new Workload(broker.vertx(), broker.client(), List.of(url), null, broker.options());
      NodeStats stats = NodeStats.ofBaseline(server);
      Recorder rec = new Recorder(NAME);
      LoadLoop.Operation call = (node, due) -> w.client().taskInfo(url, TOKEN, null);
      double seconds = w.warmUpThenMeasure(rec, call, stats);
      return new JsonObject().put("scenario", NAME)
          .put("what", "the same tools/call against a bare Vert.x JSON-RPC server (no auth, no cluster), "
              + replyBytes + "-byte replies")
          .put("seconds", Recorder.round(seconds)).put("warmup_seconds", w.options().warmup().toSeconds())
          .put("nodes", 1).put("concurrency_per_node", w.options().concurrency()).put("rate", w.options().rate())
          .put("result", rec.toJson(seconds)).put("node_stats", stats.end(seconds));
    } finally {
      server.getOutputStream().close();
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static Process start(List<String> jvmOpens, int replyBytes) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOpens);
    cmd.addAll(List.of("-Xmx768m", "-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(), Integer.toString(replyBytes)));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static int awaitPort(Process server) throws IOException, InterruptedException {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("@@ ready ")) {
            port.complete(Integer.parseInt(line.substring(9).trim()));
          }
        }
      } catch (IOException | NumberFormatException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IOException("the baseline server exited with " + exit(server)));
    }, "baseline-stdout");
    reader.setDaemon(true);
    reader.start();
    try {
      return port.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      server.destroyForcibly();
      throw new IOException("the baseline server did not start: " + e.getMessage(), e);
    }
  }

  private static String exit(Process p) {
    try {
      return p.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "nothing yet";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
