package dev.ephyr.broker.config;

import dev.ephyr.cluster.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a setting's text must look like, and its bounds: {@link #check} turns the text into a value or says,
 * in one line, what was expected (the setting's name is put in front by the caller).
 */
sealed interface SettingType {

  /** The value of {@code text}, or an {@link IllegalArgumentException} whose message completes "key ...". */
  Object check(String text);

  /** The accepted values as the settings reference shows them. */
  String shown();

  /** A whole number in {@code [min, max]}; with {@code bytes}, a size in bytes. */
  record Int(long min, long max, boolean bytes) implements SettingType {
    @Override
    public String shown() {
      return bytes ? "bytes, " + iec(min) + "–" + iec(max) : min + "–" + max;
    }

    @Override
    public Object check(String text) {
      String expected = (bytes ? "a number of bytes between " : "an integer between ") + min + " and " + max;
      String v = text.trim();
      if (!v.matches("-?[0-9]{1,18}")) {
        throw new IllegalArgumentException("must be " + expected + ", got '" + cut(v) + "'");
      }
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        throw new IllegalArgumentException("must be " + expected + ", got " + n);
      }
      return n;
    }

    /** {@code 1048576} as {@code 1 MiB}; a number that is not a whole KiB stays as it is. */
    static String iec(long n) {
      String[] units = {"TiB", "GiB", "MiB", "KiB"};
      for (int i = 0; i < units.length; i++) {
        long size = 1L << (10 * (4 - i));
        if (n >= size && n % size == 0) {
          return n / size + " " + units[i];
        }
      }
      return String.valueOf(n);
    }
  }

  /** A duration in the one spelling of {@link Durations}, in {@code [min, max]}. */
  record Time(Duration min, Duration max) implements SettingType {
    @Override
    public String shown() {
      return Durations.format(min) + "–" + Durations.format(max);
    }

    @Override
    public Object check(String text) {
      Duration d;
      try {
        d = Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("must be a duration like 500ms, 90s, 15m, 2h, 1d or 1h30m, got '"
            + text.trim() + "'");
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException("must be between " + Durations.format(min) + " and "
            + Durations.format(max) + ", got " + text.trim());
      }
      return d;
    }
  }

  /** {@code true} or {@code false} (any case). */
  record Bool() implements SettingType {
    @Override
    public String shown() {
      return "true, false";
    }

    @Override
    public Object check(String text) {
      String v = text.trim();
      if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(v);
      }
      throw new IllegalArgumentException("must be true or false, got '" + v + "'");
    }
  }

  /** Free text matching {@code pattern} (an empty text is allowed: it means "not set"). */
  record Text(Pattern pattern, String expected) implements SettingType {
    static final Text ANY = new Text(Pattern.compile("[^\\x00-\\x1f]{0,4096}"), "at most 4096 printable characters");

    @Override
    public String shown() {
      return this.equals(ANY) ? "text" : expected;
    }

    @Override
    public Object check(String text) {
      String v = text.trim();
      if (!v.isEmpty() && !pattern.matcher(v).matches()) {
        throw new IllegalArgumentException("must be " + expected + ", got '" + cut(v) + "'");
      }
      return v;
    }
  }

  /** An absolute http(s) URL without user info, query or fragment (the public URL). */
  record Url() implements SettingType {
    @Override
    public String shown() {
      return "http(s) URL";
    }

    @Override
    public Object check(String text) {
      String u = text.trim();
      if (!u.isEmpty() && (!(u.startsWith("http://") || u.startsWith("https://")) || u.contains("?")
          || u.contains("#") || u.contains("@"))) {
        throw new IllegalArgumentException("must be an absolute http(s) URL without user info, query or fragment, "
            + "got '" + cut(u) + "'");
      }
      return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
  }

  /** A comma-separated list of browser origins like {@code https://app.example}. */
  record Origins() implements SettingType {
    @Override
    public String shown() {
      return "origins";
    }

    @Override
    public Object check(String text) {
      List<String> out = new ArrayList<>();
      for (String o : text.split(",")) {
        String t = o.trim();
        if (t.isEmpty()) {
          continue;
        }
        if (!(t.startsWith("http://") || t.startsWith("https://")) || t.endsWith("/")) {
          throw new IllegalArgumentException("must be origins like https://app.example (no path, no trailing "
              + "slash), got '" + cut(t) + "'");
        }
        out.add(t);
      }
      return List.copyOf(out);
    }
  }

  private static String cut(String v) {
    return v.length() > 60 ? v.substring(0, 60) + "…" : v;
  }
}
