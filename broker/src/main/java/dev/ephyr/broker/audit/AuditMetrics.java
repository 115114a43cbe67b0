package dev.ephyr.broker.audit;

import dev.ephyr.broker.http.Metrics;

/** The audit writer's health as metrics: a failing disk must show on dashboards, not only in a log line. */
public final class AuditMetrics {
  private AuditMetrics() {}

  /** Registers the audit gauges. */
  public static void register(Metrics metrics, AuditStats stats, AuditBacklog backlog) {
    metrics.gauge("ephyr_audit_records_written_total", "Audit records written since start.", stats::written);
    metrics.gauge("ephyr_audit_write_failures_total", "Failed audit write attempts (each retried).",
        stats::writeFailures);
    metrics.gauge("ephyr_audit_failing", "1 while the last audit write failed.", () -> stats.failing() ? 1 : 0);
    metrics.gauge("ephyr_audit_pending", "Audit events waiting for the writer.", backlog::pending);
    metrics.gauge("ephyr_audit_dropped_total", "Audit events refused because the writer was too far behind.",
        backlog::dropped);
  }
}
