package dev.ephyr.broker.metrics;

import io.micrometer.core.instrument.Meter;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The series of one labelled meter: label values lead to a meter, made on first use until the meter's cap;
 * past the cap a new combination is recorded on the series whose every label is {@link Metrics#OTHER}, and
 * the folding is counted. The lookup walks one map per label and builds no string.
 *
 * @param <M> the Micrometer meter type
 */
public final class Family<M extends Meter> {
  /** Longer label values are cut here (they come from requests and policy). */
  static final int MAX_VALUE_LENGTH = 128;

  private final MeterSpec spec;
  private final Function<String[], M> make;
  private final Runnable onFold;
  private final boolean foldToOther;
  private final ConcurrentHashMap<String, Object> root = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private volatile M other;
  private volatile M single; // the one series of a meter without labels

  Family(MeterSpec spec, Function<String[], M> make, Runnable onFold) {
    this.spec = spec;
    this.make = make;
    this.onFold = onFold;
    // A gauge's value cannot be summed with others', so a gauge past the cap gets no series at all.
    this.foldToOther = spec.kind() != MeterSpec.Kind.GAUGE;
  }

  /** The spec this family was made from. */
  public MeterSpec spec() {
    return spec;
  }

  /**
   * The meter for these label values, in the spec's label order (made, or folded, on first use); past the
   * cap the "other" meter, or {@code null} for a gauge.
   */
  @SuppressWarnings("unchecked")
  public M get(String... values) {
    if (values.length != spec.labels().size()) {
      throw new IllegalArgumentException(spec.name() + " takes labels " + spec.labels() + ", got "
          + values.length + " values");
    }
    if (values.length == 0) {
      M s = single;
      return s != null ? s : makeSingle();
    }
    Object node = root;
    for (String v : values) {
      node = ((ConcurrentHashMap<String, Object>) node).get(v == null ? "" : v);
      if (node == null) {
        // At the cap a flood of new values folds without taking the lock.
        return size.get() >= spec.maxSeries() ? fold() : make(values);
      }
    }
    return (M) node;
  }

  /** The meter for these values if it exists, without making one (tests, status). */
  @SuppressWarnings("unchecked")
  public M find(String... values) {
    if (values.length == 0) {
      return single;
    }
    if (values.length != spec.labels().size()) {
      return null;
    }
    Object node = root;
    for (String v : values) {
      node = ((ConcurrentHashMap<String, Object>) node).get(v == null ? "" : v);
      if (node == null) {
        return Arrays.stream(values).allMatch(Metrics.OTHER::equals) ? other : null;
      }
    }
    return (M) node;
  }

  /** How many label combinations have their own series (the "other" series not included). */
  public int size() {
    return size.get();
  }

  private synchronized M makeSingle() {
    if (single == null) {
      single = make.apply(new String[0]);
      size.incrementAndGet();
    }
    return single;
  }

  @SuppressWarnings("unchecked")
  private synchronized M make(String[] values) {
    ConcurrentHashMap<String, Object> node = root;
    for (int i = 0; i < values.length - 1; i++) {
      Object next = node.get(key(values[i]));
      if (next == null) {
        if (size.get() >= spec.maxSeries()) {
          return fold();
        }
        next = new ConcurrentHashMap<String, Object>();
        node.put(key(values[i]), next);
      }
      node = (ConcurrentHashMap<String, Object>) next;
    }
    String last = key(values[values.length - 1]);
    Object existing = node.get(last);
    if (existing != null) {
      return (M) existing;
    }
    if (size.get() >= spec.maxSeries()) {
      return fold();
    }
    String[] clipped = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      clipped[i] = clip(key(values[i]));
    }
    M m = make.apply(clipped);
    node.put(last, m);
    size.incrementAndGet();
    return m;
  }

  private M fold() {
    onFold.run();
    if (!foldToOther) {
      return null;
    }
    M o = other;
    return o != null ? o : makeOther();
  }

  private synchronized M makeOther() {
    if (other == null) {
      String[] all = new String[spec.labels().size()];
      Arrays.fill(all, Metrics.OTHER);
      other = make.apply(all);
    }
    return other;
  }

  private static String key(String v) {
    return v == null ? "" : v;
  }

  private static String clip(String v) {
    return v.length() <= MAX_VALUE_LENGTH ? v : v.substring(0, MAX_VALUE_LENGTH);
  }
}
