package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Acknowledged-revoke latency against the cluster's own capacity, in one run: bearer {@code task_info} flat out
 * gives the capacity, then the revocation race runs with its request load at half of it (open loop) and flat out.
 * Each race phase also reports the mean time the nodes themselves measured from the revoke's start (its
 * authorisation reads) to its acknowledgement ({@code ephyr_revoke_seconds}), so the rest of the driver's figure
 * is the HTTP path both ways and the waits for a thread around it, on the nodes and in the driver.
 */
final class RevokeLoad {
  static final String NAME = "revoke-load";
  private static final String ACKNOWLEDGED = "outcome=\"acknowledged\"";

  private RevokeLoad() {}

  static JsonObject run(Workload w, NodeStats stats, LocalCluster cluster) {
    JsonObject capacity = VerifyScenario.run(w, false, stats);
    double perSecond = capacity.getJsonObject("result").getDouble("throughput_per_s");
    int half = (int) Math.max(1, Math.round(perSecond / 2));
    JsonArray phases = new JsonArray();
    long violations = 0;
    long revocations = 0;
    long afterAck = 0;
    for (int rate : new int[] {half, 0}) {
      String name = rate > 0 ? "half-load" : "full-load";
      double[] before = raised(cluster, w.nodes().size());
      JsonObject race = RevocationRace.run(w, new NodeStats(cluster, w.nodes().size()), NAME + "." + name, rate);
      double[] after = raised(cluster, w.nodes().size());
      double count = after[1] - before[1];
      if (count > 0) {
        race.put("node_revoke_mean_ms", Recorder.round((after[0] - before[0]) * 1000 / count));
      }
      violations += race.getLong("accepted_after_ack");
      revocations += race.getLong("revocations");
      afterAck += race.getLong("requests_after_ack");
      phases.add(race.put("load", name));
    }
    return new JsonObject().put("scenario", NAME)
        .put("what", "capacity = bearer task_info flat out; then the revocation race with its load at half of the "
            + "capacity and flat out")
        .put("seconds", capacity.getDouble("seconds")).put("nodes", w.nodes().size())
        .put("capacity_per_s", perSecond).put("half_rate", half)
        .put("result", capacity.getJsonObject("result")).put("node_stats", capacity.getJsonArray("node_stats"))
        .put("phases", phases).put("revocations", revocations).put("requests_after_ack", afterAck)
        .put("accepted_after_ack", violations)
        .put("revoke", phases.getJsonObject(phases.size() - 1).getJsonObject("revoke"));
  }

  /** Sum over the nodes of the acknowledged revokes' seconds and count (NaN parts count as 0). */
  private static double[] raised(LocalCluster cluster, int nodes) {
    double[] out = new double[2];
    if (cluster == null) {
      return out;
    }
    for (int i = 0; i < nodes; i++) {
      double s = cluster.metric(i, "ephyr_revoke_seconds_sum", ACKNOWLEDGED);
      double c = cluster.metric(i, "ephyr_revoke_seconds_count", ACKNOWLEDGED);
      out[0] += Double.isNaN(s) ? 0 : s;
      out[1] += Double.isNaN(c) ? 0 : c;
    }
    return out;
  }

  /** One line per race phase for the log. */
  static String line(JsonObject r) {
    StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "; capacity %.0f/s", r.getDouble(
        "capacity_per_s")));
    for (Object o : r.getJsonArray("phases")) {
      JsonObject p = (JsonObject) o;
      JsonObject rev = p.getJsonObject("revoke");
      b.append(String.format(java.util.Locale.ROOT, "; %s (rate %d, %.0f/s answered): revoke p50 %.1f ms, p99 %.1f ms,"
          + " node revoke mean %.1f ms, driver revoke mean %.1f ms", p.getString("load"), p.getInteger("rate"),
          p.getJsonObject("result").getDouble("throughput_per_s"), rev.getDouble("p50_ms"), rev.getDouble("p99_ms"),
          p.getDouble("node_revoke_mean_ms", Double.NaN), rev.getDouble("mean_ms", Double.NaN)));
    }
    return b.toString();
  }
}
