package dev.ephyr.broker.http;

import dev.ephyr.broker.audit.AuditEvent;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.metrics.Family;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The outermost step: bounds the request's time (a {@link Deadline} later steps may extend), turns failures
 * into replies (503 when the cluster cannot answer, 500 otherwise, never with internals), and records every
 * outcome to audit and metrics.
 */
public final class AuditStep implements Step {
  private final AuditSink sink;
  private final Family<Counter> requests;
  private final Counter allowedOk;
  private final Timer duration;
  private final String node;
  private final String endpoint;
  private final Duration timeout;
  private final Clock clock;

  /** Audits requests of {@code endpoint} (a metrics label such as {@code mcp} or {@code rest}). */
  public AuditStep(AuditSink sink, Metrics metrics, String node, String endpoint, Duration timeout, Clock clock) {
    this.sink = sink;
    this.requests = metrics.counter(MeterCatalogue.REQUESTS);
    this.allowedOk = requests.get(endpoint, "allow", "ok"); // the common case, resolved once
    this.duration = metrics.timer(MeterCatalogue.REQUEST_DURATION).get(endpoint);
    this.node = node;
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    Deadline deadline = new Deadline(timeout);
    Future<Reply> work = chain.proceed(exchange.with(Attributes.DEADLINE, deadline));
    // A step may extend the deadline (a tool call that streams progress); without a context, a fixed bound.
    Future<Reply> bounded = exchange.context() == null ? work.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        : deadline.bound(work, exchange.context().owner());
    return bounded
        .recover(e -> Future.succeededFuture(failure(e)))
        .map(reply -> {
          record(exchange, reply);
          return reply;
        });
  }

  static Reply failure(Throwable e) {
    if (ClusterFailures.isStateUnwritable(e)) {
      return Reply.error(503, "state_unwritable", "this node cannot write its durable state (disk full or failing), "
          + "so the change was not acknowledged (it may be in force in memory, but is not durable); retry on another node", e.getMessage()).withHeader("Retry-After", "5");
    }
    if (ClusterFailures.isClusterUnavailable(e)) {
      return Reply.error(503, "cluster_unavailable",
          "this node cannot reach a quorum of the cluster right now; retry on another node", e.getMessage())
          .withHeader("Retry-After", "2");
    }
    if (e instanceof TimeoutException) {
      return Reply.error(503, "timeout", "the request took too long; retry", "timeout");
    }
    return Reply.error(500, "internal_error", "internal error", e.toString());
  }

  private void record(Exchange exchange, Reply reply) {
    long nanos = System.nanoTime() - exchange.startNanos();
    Reply.Audit a = reply.audit() == null ? Reply.Audit.deny("unknown", null) : reply.audit();
    String action = a.action() != null ? a.action() : exchange.method() + " " + exchange.path();
    sink.record(new AuditEvent(clock.instant(), node, exchange.requestId(), action, a.outcome(), a.code(), a.detail(),
        a.agent(), a.task(), a.resource(), exchange.remote(), reply.status(), nanos / 1000)
        .withLineage(a.root(), a.lineage()));
    Counter c = "allow".equals(a.outcome()) && "ok".equals(a.code()) ? allowedOk
        : requests.get(endpoint, a.outcome(), a.code());
    c.increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }
}
