package dev.ephyr.broker.metrics;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One meter as the operator sees it on {@code /metrics}: its exposed name, help text, kind, label names and
 * how many label combinations it may have before new ones are folded into {@link Metrics#OTHER}.
 *
 * @param name the exposed Prometheus name (counters end in {@code _total}, timers in {@code _seconds})
 * @param help the {@code # HELP} text
 * @param kind what the meter is
 * @param labels label names, in the order call sites pass values
 * @param maxSeries the cap on label combinations (1 for a meter without labels)
 */
public record MeterSpec(String name, String help, Kind kind, List<String> labels, int maxSeries) {
  private static final Pattern NAME = Pattern.compile("ephyr_[a-z0-9_]+");

  /** What a meter is, and so how Micrometer builds it. */
  public enum Kind {
    /** Counted by the broker at the event ({@code Counter}). */
    COUNTER,
    /** A monotonic count read from its owner at scrape time ({@code FunctionCounter}). */
    COUNTED,
    /** A value read at scrape time ({@code Gauge}). */
    GAUGE,
    /** Durations in a fixed-bucket histogram ({@code Timer}). */
    TIMER
  }

  /** Checks the spec: names the registry would rename are refused here, at class load, not at scrape time. */
  public MeterSpec {
    Objects.requireNonNull(help, "help");
    Objects.requireNonNull(kind, "kind");
    labels = List.copyOf(labels);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("meter name must match ephyr_[a-z0-9_]+: " + name);
    }
    boolean total = name.endsWith("_total");
    if ((kind == Kind.COUNTER || kind == Kind.COUNTED) != total) {
      throw new IllegalArgumentException("counters, and only counters, end in _total: " + name);
    }
    if (kind == Kind.TIMER && !name.endsWith("_seconds")) {
      throw new IllegalArgumentException("timers end in _seconds: " + name);
    }
    if (maxSeries < 1 || (labels.isEmpty() && maxSeries != 1)) {
      throw new IllegalArgumentException("bad series cap for " + name + ": " + maxSeries);
    }
  }

  /** The name Micrometer is given: Prometheus naming adds {@code _total} or {@code _seconds} back. */
  String micrometerName() {
    return switch (kind) {
      case COUNTER, COUNTED -> name.substring(0, name.length() - "_total".length());
      case TIMER -> name.substring(0, name.length() - "_seconds".length());
      case GAUGE -> name;
    };
  }
}
