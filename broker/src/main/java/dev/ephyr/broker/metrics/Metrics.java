package dev.ephyr.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * This node's meters: a Micrometer Prometheus registry holding the meters of {@link MeterCatalogue}, each
 * labelled meter a capped {@link Family}; {@link #render()} is the {@code /metrics} text. Thread-safe.
 */
public final class Metrics {
  /** The label value a combination past its meter's cap is recorded under. */
  public static final String OTHER = "other";
  /** Histogram bucket bounds of every timer, in seconds (the buckets the broker has always exposed). */
  static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  private static final Duration[] SLOS = slos();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<MeterSpec, Family<?>> families = new ConcurrentHashMap<>();
  // Function counters hold their source weakly; these keep the suppliers alive as long as the registry.
  private final List<DoubleSupplier> held = new CopyOnWriteArrayList<>();
  private final Family<Counter> folded;

  /** An empty registry. */
  public Metrics() {
    folded = family(MeterCatalogue.SERIES_FOLDED, values -> Counter.builder(MeterCatalogue.SERIES_FOLDED.micrometerName())
        .description(MeterCatalogue.SERIES_FOLDED.help()).tags(tags(MeterCatalogue.SERIES_FOLDED, values))
        .register(registry), () -> { });
    // Loads the exposition classes now, on the thread building the node, not on the first scrape's event loop.
    registry.scrape();
  }

  /** The counters of {@code spec} (one family per spec; hold it, or a meter from it, at the call site). */
  public Family<Counter> counter(MeterSpec spec) {
    require(spec, MeterSpec.Kind.COUNTER);
    return family(spec, values -> Counter.builder(spec.micrometerName()).description(spec.help())
        .tags(tags(spec, values)).register(registry), () -> fold(spec));
  }

  /** The timers of {@code spec}, with the fixed buckets of {@link #BUCKETS}. */
  public Family<Timer> timer(MeterSpec spec) {
    require(spec, MeterSpec.Kind.TIMER);
    return family(spec, values -> Timer.builder(spec.micrometerName()).description(spec.help())
        .tags(tags(spec, values)).serviceLevelObjectives(SLOS).register(registry), () -> fold(spec));
  }

  /**
   * Registers a gauge read at scrape time; registering the same labels again keeps the first. Past the
   * spec's cap the gauge is not registered (a gauge cannot be summed into "other") and that is counted.
   */
  public void gauge(MeterSpec spec, DoubleSupplier value, String... labelValues) {
    require(spec, MeterSpec.Kind.GAUGE);
    Family<Gauge> f = family(spec, values -> Gauge.builder(spec.micrometerName(), () -> value.getAsDouble())
        .description(spec.help()).tags(tags(spec, values)).register(registry), () -> fold(spec));
    f.get(labelValues);
  }

  /** Registers a monotonic count read from its owner at scrape time (exposed as a counter). */
  public void counted(MeterSpec spec, DoubleSupplier value) {
    require(spec, MeterSpec.Kind.COUNTED);
    held.add(value);
    FunctionCounter.builder(spec.micrometerName(), value, DoubleSupplier::getAsDouble).description(spec.help())
        .register(registry);
  }

  /** The current value of a counter series, by exposed name (tests, status); 0 when it has no series. */
  public long count(String name, String... labels) {
    for (Family<?> f : families.values()) {
      if (f.spec().name().equals(name) && f.spec().kind() == MeterSpec.Kind.COUNTER) {
        String[] values = new String[labels.length / 2];
        for (int i = 0; i < values.length; i++) {
          int at = f.spec().labels().indexOf(labels[2 * i]);
          if (at < 0 || labels.length != 2 * f.spec().labels().size()) {
            throw new IllegalArgumentException(name + " has labels " + f.spec().labels());
          }
          values[at] = labels[2 * i + 1];
        }
        Meter m = f.find(values);
        return m == null ? 0 : (long) ((Counter) m).count();
      }
    }
    return 0;
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  public String render() {
    return registry.scrape();
  }

  private void fold(MeterSpec spec) {
    folded.get(spec.name()).increment();
  }

  @SuppressWarnings("unchecked")
  private <M extends Meter> Family<M> family(MeterSpec spec, Function<String[], M> make, Runnable onFold) {
    return (Family<M>) families.computeIfAbsent(spec, s -> new Family<>(s, make, onFold));
  }

  private static Tags tags(MeterSpec spec, String[] values) {
    Tags t = Tags.empty();
    for (int i = 0; i < values.length; i++) {
      t = t.and(spec.labels().get(i), values[i]);
    }
    return t;
  }

  private static void require(MeterSpec spec, MeterSpec.Kind kind) {
    if (spec.kind() != kind) {
      throw new IllegalArgumentException(spec.name() + " is a " + spec.kind() + ", not a " + kind);
    }
  }

  private static Duration[] slos() {
    Duration[] out = new Duration[BUCKETS.length];
    for (int i = 0; i < BUCKETS.length; i++) {
      out[i] = Duration.ofNanos(Math.round(BUCKETS[i] * 1e9));
    }
    return out;
  }
}
