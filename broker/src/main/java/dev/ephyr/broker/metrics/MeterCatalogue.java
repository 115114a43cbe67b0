package dev.ephyr.broker.metrics;

import dev.ephyr.broker.metrics.MeterSpec.Kind;
import java.util.List;

/**
 * Every meter the broker exposes, declared once (name, help, labels, series cap); call sites name a
 * constant here and pass label values only. The owner of each value is in the comment above it.
 */
public final class MeterCatalogue {
  private MeterCatalogue() {}

  /** Label combinations per meter whose values come from requests or policy (services, remotes, codes). */
  static final int OPEN_SERIES = 200;

  // http: AuditStep (every pipeline request) and FrontVerticle (requests refused before a pipeline).
  /** Requests by endpoint, outcome and reason code. */
  public static final MeterSpec REQUESTS = counter("ephyr_requests_total",
      "Requests by endpoint, outcome and reason code.", "endpoint", "outcome", "code");
  /** Request handling time by endpoint. */
  public static final MeterSpec REQUEST_DURATION = timer("ephyr_request_duration_seconds", "Request handling time.",
      "endpoint");
  // http: AuthenticateStep.
  /** Authentication decisions. */
  public static final MeterSpec AUTH = counter("ephyr_auth_total",
      "Authentication decisions by credential kind and result.", "kind", "result", "code");

  // proxy: Upstream.
  /** Proxied requests. */
  public static final MeterSpec PROXY_REQUESTS = counter("ephyr_proxy_requests_total",
      "Proxied requests by service, front (tool or route) and outcome.", "service", "front", "outcome");
  /** Time to the upstream's response headers. */
  public static final MeterSpec PROXY_UPSTREAM = timer("ephyr_proxy_upstream_seconds",
      "Time from accepting a proxied request to the service's response headers (DNS, connect, upload, "
          + "service time).", "service");

  // tasks: Revocation (task_revoke, the REST revoke and the admin revoke).
  /** Time to an acknowledged revoke. */
  public static final MeterSpec REVOKE_DURATION = timer("ephyr_revoke_seconds",
      "Time from a revoke's start to its acknowledgement (applied and durable on every live member), or to its "
          + "failure.", "outcome");

  // federation: FederationTools (calls) and Federation (discovery, remote gauges).
  /** Federated tool calls. */
  public static final MeterSpec FEDERATION_CALLS = counter("ephyr_federation_calls_total",
      "Federated tool calls by remote and outcome.", "remote", "outcome");
  /** Federated call latency. */
  public static final MeterSpec FEDERATION_CALL_DURATION = timer("ephyr_federation_call_seconds",
      "Federated tool call latency by remote.", "remote");
  /** Discoveries of federated remotes. */
  public static final MeterSpec FEDERATION_REFRESH = counter("ephyr_federation_refresh_total",
      "Discoveries of federated remotes.", "remote", "outcome");
  /** Remote reachability. */
  public static final MeterSpec FEDERATION_REMOTE_UP = gauge("ephyr_federation_remote_up",
      "1 when the federated remote answered last time.", "remote");
  /** Remote tool count. */
  public static final MeterSpec FEDERATION_REMOTE_TOOLS = gauge("ephyr_federation_remote_tools",
      "Tools discovered on the federated remote.", "remote");

  /** Signer reachability, probed. */
  public static final MeterSpec SIGNER_UP = gauge("ephyr_signer_up",
      "1 when this node's SSH signer answered its last probe with the published CA key, 0 when not; NaN without a "
      + "signer.");

  // audit: AuditMetrics (read from AuditStats and AuditBacklog).
  /** Audit records written. */
  public static final MeterSpec AUDIT_WRITTEN = counted("ephyr_audit_records_written_total",
      "Audit records written since start.");
  /** Failed audit writes. */
  public static final MeterSpec AUDIT_WRITE_FAILURES = counted("ephyr_audit_write_failures_total",
      "Failed audit write attempts (each retried).");
  /** Audit writer failing. */
  public static final MeterSpec AUDIT_FAILING = gauge("ephyr_audit_failing", "1 while the last audit write failed.");
  /** Audit backlog. */
  public static final MeterSpec AUDIT_PENDING = gauge("ephyr_audit_pending", "Audit events waiting for the writer.");
  /** Audit events refused. */
  public static final MeterSpec AUDIT_DROPPED = counted("ephyr_audit_dropped_total",
      "Audit events refused because the writer was too far behind.");

  // Node (read from the cluster member, its state store and this node's Vert.x).
  /** Cluster readiness. */
  public static final MeterSpec CLUSTER_READY = gauge("ephyr_cluster_ready", "1 when this node may serve task tokens.");
  /** Cluster size. */
  public static final MeterSpec CLUSTER_MEMBERS = gauge("ephyr_cluster_members", "Members this node sees.");
  /** Configured quorum. */
  public static final MeterSpec CLUSTER_QUORUM = gauge("ephyr_cluster_quorum",
      "Members this node must see to serve task tokens (cluster.quorum).");
  /** State store writability. */
  public static final MeterSpec STATE_WRITABLE = gauge("ephyr_state_writable",
      "1 while this node's state store accepts writes.");
  /** State store size. */
  public static final MeterSpec STATE_BYTES = gauge("ephyr_state_bytes", "Size of this node's state store file.");
  /** State store limit. */
  public static final MeterSpec STATE_MAX_BYTES = gauge("ephyr_state_max_bytes",
      "Configured limit of the state store (state.max-size).");
  /** State store entries. */
  public static final MeterSpec STATE_ENTRIES = gauge("ephyr_state_entries",
      "Entries in this node's state store by kind (watermarks, tasks, certificates); -1 when unknown after a "
          + "write failure.", "kind");
  /** State store group commits. */
  public static final MeterSpec STATE_SYNCS = counted("ephyr_state_syncs_total",
      "Group commits (syncs) of the state store.");
  /** Whether listings come from this node's task index. */
  public static final MeterSpec TASK_INDEX_ANSWERING = gauge("ephyr_task_index_answering",
      "1 while task listings are answered from this node's listing index; 0 while they query the cluster (not "
          + "loaded yet, more records than cluster.task-index-size, or turned off).");
  /** Blocked-thread warnings. */
  public static final MeterSpec EVENT_LOOP_BLOCKED = counted("ephyr_event_loop_blocked_total",
      "Blocked-thread warnings of this node's Vert.x.");
  /** Heap in use. */
  public static final MeterSpec JVM_HEAP_USED = gauge("ephyr_jvm_heap_used_bytes", "Heap in use.");

  // metrics: Metrics itself, when a meter reaches its cap.
  /** New label combinations folded into "other". */
  public static final MeterSpec SERIES_FOLDED = new MeterSpec("ephyr_metrics_series_folded_total",
      "Label combinations recorded as \"other\" because their meter had reached its series cap.", Kind.COUNTER,
      List.of("meter"), 64);

  /** Every meter above (a test checks the list is complete). */
  public static final List<MeterSpec> ALL = List.of(REQUESTS, REQUEST_DURATION, AUTH, PROXY_REQUESTS, PROXY_UPSTREAM,
      REVOKE_DURATION, FEDERATION_CALLS, FEDERATION_CALL_DURATION, FEDERATION_REFRESH, FEDERATION_REMOTE_UP,
      FEDERATION_REMOTE_TOOLS, SIGNER_UP, AUDIT_WRITTEN, AUDIT_WRITE_FAILURES, AUDIT_FAILING, AUDIT_PENDING, AUDIT_DROPPED,
      CLUSTER_READY, CLUSTER_MEMBERS, CLUSTER_QUORUM, STATE_WRITABLE, STATE_BYTES, STATE_MAX_BYTES, STATE_ENTRIES,
      STATE_SYNCS, TASK_INDEX_ANSWERING, EVENT_LOOP_BLOCKED, JVM_HEAP_USED, SERIES_FOLDED);

  private static MeterSpec counter(String name, String help, String... labels) {
    return new MeterSpec(name, help, Kind.COUNTER, List.of(labels), OPEN_SERIES);
  }

  private static MeterSpec timer(String name, String help, String... labels) {
    return new MeterSpec(name, help, Kind.TIMER, List.of(labels), OPEN_SERIES);
  }

  private static MeterSpec gauge(String name, String help, String... labels) {
    return new MeterSpec(name, help, Kind.GAUGE, List.of(labels), labels.length == 0 ? 1 : OPEN_SERIES);
  }

  private static MeterSpec counted(String name, String help) {
    return new MeterSpec(name, help, Kind.COUNTED, List.of(), 1);
  }
}
