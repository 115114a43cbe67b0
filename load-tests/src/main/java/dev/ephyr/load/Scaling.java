package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Scale-out on one machine: the same bearer load against clusters of 1..N nodes, each started fresh. On
 * shared cores total throughput cannot grow; what must hold is that each request costs the cluster about
 * the same CPU whatever the size, so per-node throughput falls only as the CPU share per node does.
 */
final class Scaling {
  private Scaling() {}

  static JsonObject run(LoadOptions options, io.vertx.core.Vertx vertx, List<String> jvmOpens, int maxNodes)
      throws IOException, InterruptedException {
    JsonArray rows = new JsonArray();
    for (int n = 1; n <= maxNodes; n++) {
      Path work = options.out().resolve("work");
      try (LocalCluster cluster = LocalCluster.start(n, options.brokerJar(), jvmOpens, work)) {
        BrokerClient client = new BrokerClient(vertx, options.concurrency());
        try {
          Workload w = new Workload(vertx, client, cluster.urls(), cluster.apiKey(), options);
          NodeStats stats = new NodeStats(cluster, n);
          JsonObject r = VerifyScenario.run(w, false, stats);
          JsonObject result = r.getJsonObject("result");
          double seconds = r.getDouble("seconds");
          double throughput = result.getDouble("throughput_per_s");
          double cpu = stats.totalCpuSeconds();
          rows.add(new JsonObject().put("nodes", n).put("throughput_per_s", throughput)
              .put("throughput_per_node_per_s", Recorder.round(throughput / n))
              .put("p50_ms", result.getDouble("p50_ms")).put("p99_ms", result.getDouble("p99_ms"))
              .put("cluster_cpu_seconds", Recorder.round(cpu))
              .put("cpu_us_per_request", result.getLong("requests") == 0 ? null
                  : Recorder.round(cpu * 1e6 / result.getLong("requests")))
              .put("seconds", seconds).put("node_stats", r.getJsonArray("node_stats")));
        } finally {
          client.close().await();
        }
      }
    }
    return new JsonObject().put("scenario", "scaling")
        .put("what", "verify-bearer flat out against fresh clusters of 1.." + maxNodes + " nodes on this machine")
        .put("cores", Runtime.getRuntime().availableProcessors()).put("rows", rows);
  }
}
