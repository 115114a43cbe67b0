package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * CPU and heap per node over one phase. CPU comes from the OS (local nodes only); heap from each node's
 * {@code ephyr_jvm_heap_used_bytes} metric at the end of the phase.
 */
final class NodeStats {
  private final LocalCluster cluster;
  private final int nodes;
  private Duration[] cpuAtStart;

  /** Stats of {@code cluster}'s nodes, or none when the driver targets remote nodes ({@code cluster} null). */
  NodeStats(LocalCluster cluster, int nodes) {
    this.cluster = cluster;
    this.nodes = nodes;
  }

  void begin() {
    cpuAtStart = new Duration[nodes];
    for (int i = 0; i < nodes; i++) {
      cpuAtStart[i] = cluster == null || !cluster.alive(i) ? Duration.ZERO : cluster.cpu(i);
    }
  }

  /** Per node: CPU seconds used in the phase, average cores busy, heap at the end. */
  JsonArray end(double seconds) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < nodes; i++) {
      JsonObject n = new JsonObject().put("node", "n" + (i + 1));
      if (cluster != null && cluster.alive(i)) {
        double cpu = (cluster.cpu(i).toNanos() - cpuAtStart[i].toNanos()) / 1e9;
        n.put("cpu_seconds", Recorder.round(cpu)).put("cores_busy", Recorder.round(cpu / seconds));
        long heap = cluster.heapBytes(i);
        if (heap >= 0) {
          n.put("heap_mib", Recorder.round(heap / 1048576.0));
        }
      } else {
        n.put("alive", cluster == null ? null : false);
      }
      out.add(n);
    }
    return out;
  }

  /** CPU seconds all nodes used since {@link #begin()} (0 without a local cluster). */
  double totalCpuSeconds() {
    double sum = 0;
    for (int i = 0; i < nodes && cluster != null; i++) {
      if (cluster.alive(i)) {
        sum += (cluster.cpu(i).toNanos() - cpuAtStart[i].toNanos()) / 1e9;
      }
    }
    return sum;
  }
}
