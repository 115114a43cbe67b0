package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * CPU and heap per server process over one phase, and the driver's own CPU beside them (it shares the
 * machine, so every figure has to be read against it). CPU comes from the OS (local processes only); heap
 * from each node's {@code ephyr_jvm_heap_used_bytes} metric at the end of the phase.
 */
final class NodeStats {
  private final LocalCluster cluster;
  private final Process baseline;
  private final int nodes;
  private Duration[] cpuAtStart;
  private Duration driverAtStart;

  /** Stats of {@code cluster}'s nodes, or none when the driver targets remote nodes ({@code cluster} null). */
  NodeStats(LocalCluster cluster, int nodes) {
    this(cluster, null, nodes);
  }

  /** Stats of the baseline server's process. */
  static NodeStats ofBaseline(Process baseline) {
    return new NodeStats(null, baseline, 1);
  }

  private NodeStats(LocalCluster cluster, Process baseline, int nodes) {
    this.cluster = cluster;
    this.baseline = baseline;
    this.nodes = nodes;
  }

  void begin() {
    cpuAtStart = new Duration[nodes];
    for (int i = 0; i < nodes; i++) {
      cpuAtStart[i] = alive(i) ? cpu(i) : Duration.ZERO;
    }
    driverAtStart = driverCpu();
  }

  /** Per process: CPU seconds used in the phase, average cores busy, heap at the end; the driver last. */
  JsonArray end(double seconds) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < nodes; i++) {
      JsonObject n = new JsonObject().put("node", baseline != null ? "baseline" : "n" + (i + 1));
      if (alive(i)) {
        double cpu = (cpu(i).toNanos() - cpuAtStart[i].toNanos()) / 1e9;
        n.put("cpu_seconds", Recorder.round(cpu)).put("cores_busy", Recorder.round(cpu / seconds));
        long heap = cluster == null ? -1 : cluster.heapBytes(i);
        if (heap >= 0) {
          n.put("heap_mib", Recorder.round(heap / 1048576.0));
        }
      } else {
        n.put("alive", cluster == null && baseline == null ? null : false);
      }
      out.add(n);
    }
    double driver = (driverCpu().toNanos() - driverAtStart.toNanos()) / 1e9;
    out.add(new JsonObject().put("node", "driver").put("cpu_seconds", Recorder.round(driver))
        .put("cores_busy", Recorder.round(driver / seconds)));
    return out;
  }

  /** CPU seconds all server processes used since {@link #begin()} (0 without local processes). */
  double totalCpuSeconds() {
    double sum = 0;
    for (int i = 0; i < nodes; i++) {
      if (alive(i)) {
        sum += (cpu(i).toNanos() - cpuAtStart[i].toNanos()) / 1e9;
      }
    }
    return sum;
  }

  /** CPU seconds all live server processes have used so far (0 without local processes), for slices of a phase. */
  double cpuSecondsSoFar() {
    double sum = 0;
    for (int i = 0; i < nodes; i++) {
      if (alive(i)) {
        sum += cpu(i).toNanos() / 1e9;
      }
    }
    return sum;
  }

  private boolean alive(int i) {
    return baseline != null ? baseline.isAlive() : cluster != null && cluster.alive(i);
  }

  private Duration cpu(int i) {
    return baseline != null ? baseline.info().totalCpuDuration().orElse(Duration.ZERO) : cluster.cpu(i);
  }

  static Duration driverCpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
  }
}
