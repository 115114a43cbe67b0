package dev.ephyr.broker.audit;

import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;

/** The audit writer's health as metrics: a failing disk must show on dashboards, not only in a log line. */
public final class AuditMetrics {
  private AuditMetrics() {}

  /** Registers the audit gauges. */
  public static void register(Metrics metrics, AuditStats stats, AuditBacklog backlog) {
    metrics.counted(MeterCatalogue.AUDIT_WRITTEN, stats::written);
    metrics.counted(MeterCatalogue.AUDIT_WRITE_FAILURES, stats::writeFailures);
    metrics.gauge(MeterCatalogue.AUDIT_FAILING, () -> stats.failing() ? 1 : 0);
    metrics.gauge(MeterCatalogue.AUDIT_PENDING, backlog::pending);
    metrics.counted(MeterCatalogue.AUDIT_DROPPED, backlog::dropped);
  }
}
