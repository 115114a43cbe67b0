package dev.ephyr.cluster;

import java.time.Duration;
import java.util.Locale;

/**
 * The one spelling of durations in configuration and on command lines: a non-negative whole number and a
 * unit, {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}. The unit is required: a bare number
 * would leave the reader guessing.
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses {@code text}; throws {@link IllegalArgumentException} for anything else (no unit, a negative or
   * fractional number, a value too large for a {@link Duration}).
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    int digits = 0;
    while (digits < s.length() && s.charAt(digits) >= '0' && s.charAt(digits) <= '9') {
      digits++;
    }
    if (digits == 0 || digits > 18) {
      throw new IllegalArgumentException("not a duration: '" + text + "'");
    }
    long n = Long.parseLong(s.substring(0, digits));
    try {
      switch (s.substring(digits)) {
        case "ms": return Duration.ofMillis(n);
        case "s": return Duration.ofSeconds(n);
        case "m": return Duration.ofMinutes(n);
        case "h": return Duration.ofHours(n);
        case "d": return Duration.ofDays(n);
        default: throw new IllegalArgumentException("not a duration: '" + text + "'");
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
  }
}
