package dev.ephyr.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ephyr loadtest}: starts a local cluster (or drives running nodes), runs the scenarios, writes the
 * report and prints a summary. Exit code 0 when every scenario ran and no request was accepted after an
 * acknowledged revoke; 1 otherwise; 2 for a bad command line.
 */
public final class LoadMain {
  private LoadMain() {}

  public static void main(String[] argv) {
    System.exit(run(Arrays.asList(argv)));
  }

  static int run(List<String> argv) {
    if (argv.contains("--help") || argv.contains("-h")) {
      System.out.print(LoadOptions.USAGE);
      return 0;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(argv, System.getenv("EPHYR_LOAD_API_KEY"));
    } catch (LoadOptions.BadOption e) {
      System.err.println("ephyr loadtest: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    LocalCluster[] cluster = {null};
    Thread hook = new Thread(() -> {
      if (cluster[0] != null) {
        cluster[0].close();
      }
    }, "loadtest-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return runScenarios(options, vertx, cluster);
    } catch (IOException | RuntimeException e) {
      System.err.println("ephyr loadtest: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      if (cluster[0] != null) {
        cluster[0].close();
      }
      vertx.close().await();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run
      }
    }
  }

  private static int runScenarios(LoadOptions options, Vertx vertx, LocalCluster[] cluster)
      throws IOException, InterruptedException {
    List<String> opens = jvmOpens();
    List<String> urls;
    String apiKey;
    long t0 = System.nanoTime();
    boolean needCluster = options.scenarios().stream().anyMatch(s -> !s.equals("scaling"));
    if (options.targets().isEmpty()) {
      if (needCluster) {
        log("starting " + options.nodes() + " local node(s) from " + options.brokerJar() + " ...");
        cluster[0] = LocalCluster.start(options.nodes(), options.brokerJar(), opens, options.out().resolve("work"));
        log("cluster ready in " + secs(System.nanoTime() - t0) + ": " + String.join(" ", cluster[0].urls()));
      }
      urls = cluster[0] == null ? List.of() : cluster[0].urls();
      apiKey = cluster[0] == null ? null : cluster[0].apiKey();
    } else {
      urls = options.targets();
      apiKey = options.apiKey();
    }
    JsonArray results = new JsonArray();
    boolean failed = false;
    long violations = 0;
    BrokerClient client = new BrokerClient(vertx, options.concurrency());
    Duration driverCpuStart = NodeStats.driverCpu();
    try {
      // The baseline first: every later scenario is reported as a ratio to it.
      List<String> scenarios = new ArrayList<>();
      if (options.baseline() && !urls.isEmpty()) {
        scenarios.add(BaselineScenario.NAME);
      }
      scenarios.addAll(options.scenarios());
      for (String name : scenarios) {
        log("scenario " + name + " ...");
        long s0 = System.nanoTime();
        JsonObject r;
        try {
          r = runOne(name, options, vertx, client, urls, apiKey, cluster, opens);
        } catch (RuntimeException | IOException e) {
          failed = true;
          r = new JsonObject().put("scenario", name).put("error", String.valueOf(e.getMessage()));
        }
        violations += r.getLong("accepted_after_ack", 0L);
        results.add(r);
        Ratios.add(results);
        log(line(r) + " (" + secs(System.nanoTime() - s0) + ")");
      }
    } finally {
      client.close().await();
      if (cluster[0] != null) {
        cluster[0].keepLogs(options.out().resolve("node-logs"));
        cluster[0].close();
        cluster[0] = null;
      }
    }
    JsonObject report = new JsonObject().put("environment", environment(options, driverCpuStart))
        .put("scenarios", results).put("accepted_after_acknowledged_revoke", violations)
        .put("seconds", Recorder.round((System.nanoTime() - t0) / 1e9));
    Report.write(options.out(), report);
    try {
      Files.deleteIfExists(options.out().resolve("work")); // empty unless a cluster could not be removed
    } catch (java.nio.file.DirectoryNotEmptyException e) {
      log("left behind: " + options.out().resolve("work"));
    }
    log("report: " + options.out().resolve("report.html") + " and report.json");
    if (violations > 0) {
      log("FAILED: " + violations + " request(s) accepted after an acknowledged revoke");
    }
    return failed || violations > 0 ? 1 : 0;
  }

  private static JsonObject runOne(String name, LoadOptions options, Vertx vertx, BrokerClient client,
      List<String> urls, String apiKey, LocalCluster[] cluster, List<String> opens)
      throws IOException, InterruptedException {
    if (name.equals("scaling")) {
      if (cluster[0] != null) {
        // Scaling starts its own clusters; the main one must not compete for the cores.
        cluster[0].keepLogs(options.out().resolve("node-logs"));
        cluster[0].close();
        cluster[0] = null;
      }
      return Scaling.run(options, vertx, opens, options.nodes());
    }
    if (cluster[0] == null && options.targets().isEmpty()) {
      throw new IllegalStateException("the local cluster is gone (scaling runs last)");
    }
    Workload w = new Workload(vertx, client, urls, apiKey, options);
    NodeStats stats = new NodeStats(cluster[0], urls.size());
    switch (name) {
      case BaselineScenario.NAME:
        return BaselineScenario.run(w, opens,
            client.taskInfoReplyBytes(urls.get(0), w.createTasks(1, false).get(0).token()).await());
      case "verify-bearer": return VerifyScenario.run(w, false, stats);
      case "verify-dpop": return VerifyScenario.run(w, true, stats);
      case RevisionScenario.NAME: return RevisionScenario.run(w, stats);
      case "churn": return ChurnScenario.run(w, stats);
      case TaskOpsScenario.NAME: return TaskOpsScenario.run(w, stats);
      case "revocation-race": return RevocationRace.run(w, stats);
      case RevokeLoad.NAME: return RevokeLoad.run(w, stats, cluster[0]);
      case "node-loss": return NodeLoss.run(w, cluster[0], stats);
      default: throw new IllegalArgumentException("unknown scenario " + name);
    }
  }

  private static String line(JsonObject r) {
    if (r.containsKey("error")) {
      return r.getString("scenario") + ": FAILED: " + r.getString("error");
    }
    if (r.containsKey("rows")) {
      StringBuilder b = new StringBuilder(r.getString("scenario") + ":");
      for (Object o : r.getJsonArray("rows")) {
        JsonObject row = (JsonObject) o;
        b.append(String.format(Locale.ROOT, " [%d node(s) %s: %.0f/s, %.1f µs CPU/request", row.getInteger("nodes"),
            row.getString("call"), row.getDouble("throughput_per_s"), row.getDouble("cpu_us_per_request", 0.0)));
        JsonObject v = row.getJsonObject("vs_baseline");
        if (v != null) {
          b.append(String.format(Locale.ROOT, "; vs baseline ×%.2f, CPU ×%.2f", v.getDouble("throughput"),
              v.getDouble("cpu_per_request", Double.NaN)));
        }
        b.append(']');
      }
      return b.toString();
    }
    JsonObject res = r.getJsonObject("result");
    String s = String.format(Locale.ROOT, "%s: %d requests, %.0f/s, p50 %.2f ms, p99 %.2f ms, refusals %s",
        r.getString("scenario"), res.getLong("requests"), res.getDouble("throughput_per_s"), res.getDouble("p50_ms"),
        res.getDouble("p99_ms"), res.getJsonObject("refusals").encode());
    if (r.containsKey("vs_baseline")) {
      JsonObject v = r.getJsonObject("vs_baseline");
      s += String.format(Locale.ROOT, "; vs baseline: throughput ×%.2f, CPU/request ×%.2f", v.getDouble("throughput"),
          v.getDouble("cpu_per_request", Double.NaN));
    }
    if (r.containsKey("ratio_median")) {
      s += String.format(Locale.ROOT, "; 2025-11-25+session median %.0f/s, 2026-07-28 stateless median %.0f/s, "
          + "median ratio stateless/session: throughput ×%.3f, node CPU per request ×%.3f",
          r.getDouble("session_median_per_s"), r.getDouble("stateless_median_per_s"), r.getDouble("ratio_median"),
          r.getDouble("cpu_ratio_median"));
    }
    if (r.containsKey("accepted_after_ack")) {
      s += String.format(Locale.ROOT, "; %d revocations, revoke p99 %.2f ms, %d requests after ack, "
          + "accepted after ack: %d", r.getLong("revocations"), r.getJsonObject("revoke").getDouble("p99_ms"),
          r.getLong("requests_after_ack"), r.getLong("accepted_after_ack"));
    }
    if (r.containsKey("phases")) {
      s += RevokeLoad.line(r);
    }
    if (r.containsKey("survivor_errors")) {
      s += "; survivor errors " + r.getLong("survivor_errors");
    }
    return s;
  }

  private static JsonObject environment(LoadOptions o, Duration driverCpuStart) {
    return new JsonObject().put("date", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"))
        .put("nodes", o.targets().isEmpty() ? o.nodes() : o.targets().size())
        .put("driver", "same machine, " + "2 event loops")
        .put("driver_cpu_seconds", Recorder.round((NodeStats.driverCpu().toNanos() - driverCpuStart.toNanos()) / 1e9))
        .put("duration_s", o.duration().toSeconds()).put("rate", o.rate()).put("concurrency_per_node", o.concurrency())
        .put("quick", o.quick());
  }

  /** The JVM flags Hazelcast needs: from the launcher, or read from the parent pom like the launcher does. */
  static List<String> jvmOpens() throws IOException {
    String env = System.getenv("EPHYR_JVM_OPENS");
    String opens = env;
    if (opens == null || opens.isBlank()) {
      Path pom = Path.of("pom.xml");
      if (!Files.isRegularFile(pom)) {
        throw new IOException("run from the repository root, or set EPHYR_JVM_OPENS");
      }
      Matcher m = Pattern.compile("<ephyr.jvm.opens>(.*?)</ephyr.jvm.opens>").matcher(Files.readString(pom));
      if (!m.find()) {
        throw new IOException("pom.xml has no ephyr.jvm.opens property; set EPHYR_JVM_OPENS");
      }
      opens = m.group(1);
    }
    List<String> out = new ArrayList<>();
    for (String s : opens.trim().split("\\s+")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  private static void log(String s) {
    System.out.println("loadtest: " + s);
    System.out.flush();
  }
}
