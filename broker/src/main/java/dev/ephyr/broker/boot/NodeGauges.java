package dev.ephyr.broker.boot;

import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.cluster.StateStore;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.LongAdder;

/** The node-wide gauges, read at scrape time: cluster readiness and members, the state store, the event loops. */
final class NodeGauges {
  private NodeGauges() {}

  static void register(Metrics metrics, ClusterNode cluster, LongAdder blockedThreadWarnings) {
    metrics.gauge(MeterCatalogue.CLUSTER_READY, () -> cluster.readiness().isReady() ? 1 : 0);
    metrics.gauge(MeterCatalogue.CLUSTER_MEMBERS, () -> cluster.status().members().size());
    metrics.gauge(MeterCatalogue.CLUSTER_QUORUM, () -> cluster.config().quorum());
    if (cluster.stateStats().isPresent()) {
      // A store that refuses writes (full or failing disk) must be as loud in metrics as it is in the log.
      metrics.gauge(MeterCatalogue.STATE_WRITABLE,
          () -> cluster.stateStats().map(st -> st.failure() == null ? 1 : 0).orElse(0));
      metrics.gauge(MeterCatalogue.STATE_BYTES, () -> cluster.stateStats().map(StateStore.Stats::bytes).orElse(-1L));
      metrics.gauge(MeterCatalogue.STATE_MAX_BYTES,
          () -> cluster.stateStats().map(StateStore.Stats::maxBytes).orElse(-1L));
      metrics.gauge(MeterCatalogue.STATE_ENTRIES,
          () -> cluster.stateStats().map(StateStore.Stats::watermarks).orElse(-1), "watermarks");
      metrics.gauge(MeterCatalogue.STATE_ENTRIES, () -> cluster.stateStats().map(StateStore.Stats::tasks).orElse(-1),
          "tasks");
      metrics.gauge(MeterCatalogue.STATE_ENTRIES,
          () -> cluster.stateStats().map(StateStore.Stats::certificates).orElse(-1), "certificates");
      metrics.counted(MeterCatalogue.STATE_SYNCS, () -> cluster.stateStats().map(StateStore.Stats::syncs).orElse(0L));
    }
    metrics.gauge(MeterCatalogue.TASK_INDEX_ANSWERING, () -> cluster.tasks().indexStats().answering() ? 1 : 0);
    metrics.counted(MeterCatalogue.EVENT_LOOP_BLOCKED, blockedThreadWarnings::sum);
    metrics.gauge(MeterCatalogue.JVM_HEAP_USED,
        () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }
}
