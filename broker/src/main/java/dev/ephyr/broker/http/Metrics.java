package dev.ephyr.broker.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * A small Prometheus registry: labelled counters, fixed-bucket latency histograms and gauges, rendered in
 * the text exposition format. Series are capped so a flood of odd input cannot grow it without bound.
 */
public final class Metrics {
  static final int MAX_SERIES = 2_000;
  private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  private final Map<String, String> help = new ConcurrentHashMap<>();
  private final Map<String, String> types = new ConcurrentHashMap<>();
  private final Map<String, Map<String, LongAdder>> counters = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Histogram>> histograms = new ConcurrentHashMap<>();
  private final Map<String, Map<String, DoubleSupplier>> gauges = new ConcurrentHashMap<>();
  private final LongAdder series = new LongAdder();

  /** Adds one to counter {@code name} with {@code labels} (alternating names and values). */
  public void inc(String name, String helpText, String... labels) {
    define(name, helpText, "counter");
    Map<String, LongAdder> byLabels = counters.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
    String key = labels(labels);
    LongAdder a = byLabels.get(key);
    if (a == null) {
      if (series.sum() >= MAX_SERIES) {
        return;
      }
      a = byLabels.computeIfAbsent(key, k -> {
        series.increment();
        return new LongAdder();
      });
    }
    a.increment();
  }

  /** Records {@code seconds} in histogram {@code name}. */
  public void observe(String name, String helpText, double seconds, String... labels) {
    define(name, helpText, "histogram");
    Map<String, Histogram> byLabels = histograms.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
    String key = labels(labels);
    Histogram h = byLabels.get(key);
    if (h == null) {
      if (series.sum() >= MAX_SERIES) {
        return;
      }
      h = byLabels.computeIfAbsent(key, k -> {
        series.increment();
        return new Histogram();
      });
    }
    h.observe(seconds);
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String helpText, DoubleSupplier value, String... labels) {
    define(name, helpText, "gauge");
    gauges.computeIfAbsent(name, k -> new ConcurrentHashMap<>()).put(labels(labels), value);
  }

  /** The current value of a counter series (tests, status). */
  public long count(String name, String... labels) {
    Map<String, LongAdder> byLabels = counters.get(name);
    LongAdder a = byLabels == null ? null : byLabels.get(labels(labels));
    return a == null ? 0 : a.sum();
  }

  private void define(String name, String helpText, String type) {
    help.putIfAbsent(name, helpText);
    types.putIfAbsent(name, type);
  }

  private static String labels(String... kv) {
    if (kv.length == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(kv[i]).append("=\"");
      String v = kv[i + 1] == null ? "" : kv[i + 1];
      for (int j = 0; j < v.length() && j < 128; j++) {
        char c = v.charAt(j);
        if (c == '\\' || c == '"') {
          sb.append('\\').append(c);
        } else if (c == '\n') {
          sb.append("\\n");
        } else {
          sb.append(c);
        }
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }

  /** The exposition text. */
  public String render() {
    StringBuilder out = new StringBuilder(4096);
    Map<String, String> sortedTypes = new TreeMap<>(types);
    for (Map.Entry<String, String> t : sortedTypes.entrySet()) {
      String name = t.getKey();
      out.append("# HELP ").append(name).append(' ').append(help.getOrDefault(name, name)).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(t.getValue()).append('\n');
      switch (t.getValue()) {
        case "counter":
          new TreeMap<>(counters.getOrDefault(name, Map.of())).forEach((l, a) ->
              out.append(name).append(l).append(' ').append(a.sum()).append('\n'));
          break;
        case "gauge":
          new TreeMap<>(gauges.getOrDefault(name, Map.of())).forEach((l, g) ->
              out.append(name).append(l).append(' ').append(format(g.getAsDouble())).append('\n'));
          break;
        default:
          new TreeMap<>(histograms.getOrDefault(name, Map.of())).forEach((l, h) -> h.render(out, name, l));
      }
    }
    return out.toString();
  }

  private static String format(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
      return String.valueOf((long) d);
    }
    return String.valueOf(d);
  }

  private static final class Histogram {
    private final LongAdder[] buckets = new LongAdder[BUCKETS.length];
    private final LongAdder count = new LongAdder();
    private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void observe(double v) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (v <= BUCKETS[i]) {
          buckets[i].increment();
          break;
        }
      }
      count.increment();
      sum.add(v);
    }

    void render(StringBuilder out, String name, String labels) {
      String inner = labels.isEmpty() ? "" : labels.substring(1, labels.length() - 1) + ",";
      long cumulative = 0;
      for (int i = 0; i < BUCKETS.length; i++) {
        cumulative += buckets[i].sum();
        out.append(name).append("_bucket{").append(inner).append("le=\"").append(BUCKETS[i]).append("\"} ")
            .append(cumulative).append('\n');
      }
      out.append(name).append("_bucket{").append(inner).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
      out.append(name).append("_sum").append(labels).append(' ').append(sum.sum()).append('\n');
      out.append(name).append("_count").append(labels).append(' ').append(count.sum()).append('\n');
    }
  }
}
