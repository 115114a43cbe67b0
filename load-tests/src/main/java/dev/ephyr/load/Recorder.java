package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Latencies and outcomes of one measured operation: a whole-run histogram, one-second intervals for the
 * latency-over-time chart, and refusals by reason. Written from any event loop; read when the phase is over.
 */
final class Recorder {
  private static final long MAX_MICROS = 60_000_000;

  private final String name;
  private final org.HdrHistogram.Recorder live = new org.HdrHistogram.Recorder(MAX_MICROS, 3);
  private final Histogram total = new Histogram(MAX_MICROS, 3);
  private final List<JsonObject> intervals = new ArrayList<>();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final LongAdder accepted = new LongAdder();
  private long startNanos;
  private long lastNanos;

  Recorder(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  /** Starts the clock of the interval series. */
  synchronized void start(long nowNanos) {
    startNanos = nowNanos;
    lastNanos = nowNanos;
  }

  /** Records one answer that took {@code micros}. */
  void record(Outcome outcome, long micros) {
    live.recordValue(Math.max(1, Math.min(MAX_MICROS, micros)));
    if (outcome.accepted()) {
      accepted.increment();
    } else {
      refusals.computeIfAbsent(outcome.code(), k -> new LongAdder()).increment();
    }
  }

  /** Closes the current interval (called once a second, and at the end). */
  synchronized void tick(long nowNanos) {
    Histogram h = live.getIntervalHistogram();
    total.add(h);
    double seconds = (nowNanos - lastNanos) / 1e9;
    intervals.add(new JsonObject().put("t", round((nowNanos - startNanos) / 1e9))
        .put("count", h.getTotalCount())
        .put("rate", seconds <= 0 ? 0 : round(h.getTotalCount() / seconds))
        .put("p50_ms", ms(h.getValueAtPercentile(50))).put("p99_ms", ms(h.getValueAtPercentile(99)))
        .put("max_ms", ms(h.getMaxValue())));
    lastNanos = nowNanos;
  }

  long count() {
    return total.getTotalCount();
  }

  long accepted() {
    return accepted.sum();
  }

  synchronized double percentileMs(double p) {
    return ms(total.getValueAtPercentile(p));
  }

  /** The summary of the run so far, for the report. */
  synchronized JsonObject toJson(double seconds) {
    JsonObject errors = new JsonObject();
    new TreeMap<>(refusals).forEach((k, v) -> errors.put(k, v.sum()));
    JsonArray percentiles = new JsonArray();
    for (double p : new double[] {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
      percentiles.add(new JsonObject().put("p", p).put("ms", ms(total.getValueAtPercentile(p))));
    }
    return new JsonObject().put("name", name).put("requests", total.getTotalCount())
        .put("accepted", accepted.sum())
        .put("throughput_per_s", seconds <= 0 ? 0 : round(total.getTotalCount() / seconds))
        .put("p50_ms", ms(total.getValueAtPercentile(50))).put("p90_ms", ms(total.getValueAtPercentile(90)))
        .put("p99_ms", ms(total.getValueAtPercentile(99))).put("max_ms", ms(total.getMaxValue()))
        .put("mean_ms", round(total.getMean() / 1000)).put("refusals", errors).put("percentiles", percentiles).put("intervals", new JsonArray(new ArrayList<>(intervals)));
  }

  private static double ms(long micros) {
    return round(micros / 1000.0);
  }

  static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
