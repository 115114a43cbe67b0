package dev.ephyr.broker.tasks;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/** Typed, bounded reading of tool arguments; every problem names the argument. */
final class Args {
  /** A malformed argument; stackless (an expected outcome). */
  static final class Bad extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Bad(String message) {
      super(message, null, false, false);
    }
  }

  private final JsonObject o;

  private Args(JsonObject o) {
    this.o = o;
  }

  /** Wraps {@code args}, refusing names outside {@code allowed}. */
  static Args of(JsonObject args, Set<String> allowed) {
    JsonObject a = args == null ? new JsonObject() : args;
    if (a.size() > 32) {
      throw new Bad("too many arguments");
    }
    for (String k : a.fieldNames()) {
      if (!allowed.contains(k)) {
        throw new Bad("unknown argument '" + (k.length() > 64 ? k.substring(0, 64) + "…" : k) + "'");
      }
    }
    return new Args(a);
  }

  String string(String name, int maxChars) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Bad(name + " must be a string");
    }
    if (s.length() > maxChars) {
      throw new Bad(name + " is longer than " + maxChars + " characters");
    }
    return s;
  }

  String requiredString(String name, int maxChars) {
    String s = string(name, maxChars);
    if (s == null || s.isEmpty()) {
      throw new Bad(name + " is required");
    }
    return s;
  }

  boolean bool(String name, boolean dflt) {
    Object v = o.getValue(name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw new Bad(name + " must be true or false");
    }
    return b;
  }

  Integer integer(String name, int min, int max) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new Bad(name + " must be an integer");
    }
    double d = n.doubleValue();
    if (d < min || d > max) {
      throw new Bad(name + " must be between " + min + " and " + max);
    }
    return (int) d;
  }

  /** Seconds as a number, or a string like {@code 90s}, {@code 30m}, {@code 2h}. */
  Duration duration(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Number) {
      Integer s = integer(name, 1, 30 * 24 * 3600);
      return Duration.ofSeconds(s);
    }
    if (v instanceof String s && s.length() <= 16) {
      String t = s.trim().toLowerCase(Locale.ROOT);
      try {
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        Duration d;
        switch (t.charAt(t.length() - 1)) {
          case 's': d = Duration.ofSeconds(n); break;
          case 'm': d = Duration.ofMinutes(n); break;
          case 'h': d = Duration.ofHours(n); break;
          case 'd': d = Duration.ofDays(n); break;
          default: d = null;
        }
        if (d != null && !d.isNegative() && !d.isZero() && d.compareTo(Duration.ofDays(30)) <= 0) {
          return d;
        }
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        // fall through
      }
    }
    throw new Bad(name + " must be seconds or a duration like 90s, 30m, 2h (at most 30d)");
  }

  JsonObject object(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject j)) {
      throw new Bad(name + " must be an object");
    }
    return j;
  }
}
