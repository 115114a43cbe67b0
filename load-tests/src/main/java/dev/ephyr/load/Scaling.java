package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Scale-out on one machine: the same bearer load against clusters of 1..N nodes, each started fresh, with three
 * calls: {@code ping} (token verification only), {@code task_info} (verification plus one task-registry read,
 * whose record lives on another member for (N-1)/N of the tasks unless the near cache holds it) and
 * {@code task_list} (verification plus one registry query, which every member answers for its partitions). On shared cores total throughput cannot grow;
 * the CPU each request costs the cluster shows what adding a node costs beyond its share of the cores.
 */
final class Scaling {
  private Scaling() {}

  /** One measurement: task_info (one registry read), task_list (one registry query) or ping (verification only). */
  private static JsonObject row(Workload w, LocalCluster cluster, int n, VerifyScenario.Call call) {
    NodeStats stats = new NodeStats(cluster, n);
    JsonObject r = VerifyScenario.run(w, false, call, stats);
    JsonObject result = r.getJsonObject("result");
    double throughput = result.getDouble("throughput_per_s");
    double cpu = stats.totalCpuSeconds();
    return new JsonObject().put("nodes", n).put("call", call.name().toLowerCase(java.util.Locale.ROOT))
        .put("throughput_per_s", throughput)
        .put("throughput_per_node_per_s", Recorder.round(throughput / n))
        .put("p50_ms", result.getDouble("p50_ms")).put("p99_ms", result.getDouble("p99_ms"))
        .put("cluster_cpu_seconds", Recorder.round(cpu))
        .put("cpu_us_per_request", result.getLong("requests") == 0 ? null
            : Recorder.round(cpu * 1e6 / result.getLong("requests")))
        .put("seconds", r.getDouble("seconds")).put("node_stats", r.getJsonArray("node_stats"));
  }

  static JsonObject run(LoadOptions options, io.vertx.core.Vertx vertx, List<String> jvmOpens, int maxNodes)
      throws IOException, InterruptedException {
    JsonArray rows = new JsonArray();
    for (int n = 1; n <= maxNodes; n++) {
      if (options.quick() && n != 1 && n != maxNodes) {
        continue; // quick: the two ends only
      }
      Path work = options.out().resolve("work");
      try (LocalCluster cluster = LocalCluster.start(n, options.brokerJar(), jvmOpens, work)) {
        BrokerClient client = new BrokerClient(vertx, options.concurrency());
        try {
          Workload w = new Workload(vertx, client, cluster.urls(), cluster.apiKey(), options);
          rows.add(row(w, cluster, n, VerifyScenario.Call.TASK_INFO));
          rows.add(row(w, cluster, n, VerifyScenario.Call.TASK_LIST));
          rows.add(row(w, cluster, n, VerifyScenario.Call.PING));
        } finally {
          client.close().await();
        }
      }
    }
    return new JsonObject().put("scenario", "scaling")
        .put("what", "bearer task_info, task_list and ping, flat out, against fresh clusters of 1.." + maxNodes
            + " nodes on this machine")
        .put("cores", Runtime.getRuntime().availableProcessors()).put("rows", rows);
  }
}
