package dev.ephyr.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The one spelling of durations in node configuration, cluster settings and policy files: whole numbers
 * each followed by a unit, largest unit first, each unit at most once: {@code 500ms}, {@code 10s},
 * {@code 5m}, {@code 1h}, {@code 2d}, {@code 1h30m}. The unit is required: a bare number would leave the
 * reader guessing.
 */
public final class Durations {
  /** The units, largest first. */
  private static final List<String> UNITS = List.of("d", "h", "m", "s", "ms");
  private static final long[] MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

  private Durations() {}

  /**
   * Parses {@code text}; throws {@link IllegalArgumentException} for anything else (no unit, a unit out of
   * order or repeated, a negative or fractional number, a value too large for a {@link Duration}).
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      throw new IllegalArgumentException("not a duration: '" + text + "'");
    }
    long total = 0;
    int next = 0; // index into UNITS of the smallest unit still allowed
    int i = 0;
    try {
      while (i < s.length()) {
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
        int unitStart = i;
        while (i < s.length() && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
          i++;
        }
        int unit = UNITS.indexOf(s.substring(unitStart, i));
        if (unitStart == start || unitStart - start > 18 || unit < next) {
          throw new IllegalArgumentException("not a duration: '" + text + "'");
        }
        long n = Long.parseLong(s.substring(start, unitStart));
        total = Math.addExact(total, Math.multiplyExact(n, MILLIS[unit]));
        next = unit + 1;
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
    return Duration.ofMillis(total);
  }

  /** The shortest spelling {@link #parse} reads back as {@code d} (e.g. {@code 1h30m}, {@code 500ms}, {@code 0s}). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    for (int u = 0; u < UNITS.size(); u++) {
      if (ms >= MILLIS[u]) {
        b.append(ms / MILLIS[u]).append(UNITS.get(u));
        ms %= MILLIS[u];
      }
    }
    return b.toString();
  }
}
