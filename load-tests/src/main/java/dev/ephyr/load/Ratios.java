package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Adds to every scenario of a run its server CPU per request and, when the run has a baseline, its throughput
 * and CPU per request as ratios to the baseline's: the figures that survive a noisy machine.
 */
final class Ratios {
  private Ratios() {}

  static void add(JsonArray scenarios) {
    JsonObject baseline = null;
    for (Object o : scenarios) {
      JsonObject s = (JsonObject) o;
      double cpu = cpuMicrosPerRequest(s);
      if (cpu > 0) {
        s.put("cpu_us_per_request", Recorder.round(cpu));
      }
      if (BaselineScenario.NAME.equals(s.getString("scenario")) && s.containsKey("result")) {
        baseline = s;
      }
    }
    if (baseline == null) {
      return;
    }
    double baseThroughput = baseline.getJsonObject("result").getDouble("throughput_per_s");
    double baseCpu = baseline.getDouble("cpu_us_per_request", 0.0);
    for (Object o : scenarios) {
      JsonObject s = (JsonObject) o;
      if (s.containsKey("rows") && baseThroughput > 0) {
        // Scaling: each row (node count, call) against the same baseline.
        for (Object r : s.getJsonArray("rows")) {
          JsonObject row = (JsonObject) r;
          JsonObject ratio = new JsonObject().put("throughput",
              Recorder.round(row.getDouble("throughput_per_s") / baseThroughput));
          Double cpu = row.getDouble("cpu_us_per_request");
          if (baseCpu > 0 && cpu != null) {
            ratio.put("cpu_per_request", Recorder.round(cpu / baseCpu));
          }
          row.put("vs_baseline", ratio);
        }
      }
      if (s == baseline || !s.containsKey("result") || baseThroughput <= 0) {
        continue;
      }
      JsonObject ratio = new JsonObject().put("throughput",
          Recorder.round(s.getJsonObject("result").getDouble("throughput_per_s") / baseThroughput));
      if (baseCpu > 0 && s.containsKey("cpu_us_per_request")) {
        ratio.put("cpu_per_request", Recorder.round(s.getDouble("cpu_us_per_request") / baseCpu));
      }
      s.put("vs_baseline", ratio);
    }
  }

  /** Server processes' CPU (not the driver's) per request of the measured phase, or 0 when unknown. */
  private static double cpuMicrosPerRequest(JsonObject s) {
    JsonArray nodes = s.getJsonArray("node_stats");
    JsonObject result = s.getJsonObject("result");
    if (nodes == null || result == null || result.getLong("requests", 0L) == 0) {
      return 0;
    }
    double cpu = 0;
    for (Object o : nodes) {
      JsonObject n = (JsonObject) o;
      if (!"driver".equals(n.getString("node"))) {
        cpu += n.getDouble("cpu_seconds", 0.0);
      }
    }
    return cpu * 1e6 / result.getLong("requests");
  }
}
