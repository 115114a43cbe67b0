package dev.ephyr.bench;

import dev.ephyr.broker.metrics.Family;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one request costs in metrics: the authentication counter, the request counter and the duration timer,
 * as {@code AuthenticateStep} and {@code AuditStep} record them (the common combination resolved in advance,
 * and one looked up through its family); and one scrape of a node-sized registry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmarks {
  private Metrics metrics;
  private Family<Counter> requests;
  private Family<Counter> auth;
  private Counter allowedOk;
  private Timer duration;

  /** A registry with the request meters and a few dozen series, as on a busy node. */
  @Setup
  public void setup() {
    metrics = new Metrics();
    requests = metrics.counter(MeterCatalogue.REQUESTS);
    auth = metrics.counter(MeterCatalogue.AUTH);
    allowedOk = requests.get("mcp", "allow", "ok");
    duration = metrics.timer(MeterCatalogue.REQUEST_DURATION).get("mcp");
    for (String code : new String[] {"revoked", "expired", "invalid_token", "forbidden", "not_found"}) {
      for (String endpoint : new String[] {"mcp", "rest", "proxy"}) {
        requests.get(endpoint, "deny", code).increment();
        metrics.timer(MeterCatalogue.REQUEST_DURATION).get(endpoint).record(1, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The allowed request: everything resolved in advance but the authentication counter. */
  @Benchmark
  public void recordAllowedRequest() {
    auth.get("bearer", "ok", "ok").increment();
    allowedOk.increment();
    duration.record(2_000_000, TimeUnit.NANOSECONDS);
  }

  /** A refused request: the request counter looked up by its three label values. */
  @Benchmark
  public void recordRefusedRequest() {
    auth.get("bearer", "refused", "revoked").increment();
    requests.get("mcp", "deny", "revoked").increment();
    duration.record(2_000_000, TimeUnit.NANOSECONDS);
  }

  /** One {@code GET /metrics} body. */
  @Benchmark
  public String scrape() {
    return metrics.render();
  }
}
