package dev.ephyr.broker.boot;

import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.cluster.Readiness;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** What the HTTP front shows of the cluster: why this node is not ready ({@code /readyz}), and {@code ephyr://cluster}. */
final class ClusterViews {
  private ClusterViews() {}

  /** {@code null} when ready, else the state and why. */
  static JsonObject notReady(ClusterNode cluster) {
    Readiness r = cluster.readiness();
    if (r.isReady()) {
      return null;
    }
    return new JsonObject().put("status", r.state().name().toLowerCase(Locale.ROOT)).put("detail", r.detail());
  }

  /** This node, its state, the members it sees and the quorum. */
  static JsonObject snapshot(ClusterNode cluster) {
    Readiness r = cluster.readiness();
    return new JsonObject().put("node", cluster.nodeId()).put("state", r.state().name().toLowerCase(Locale.ROOT))
        .put("members", cluster.status().members().size()).put("quorum", cluster.status().quorum());
  }
}
