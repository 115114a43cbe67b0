package dev.ephyr.broker.monitoring;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, by a small tokenizer rather than a PromQL parser: it removes
 * string literals, label matchers ({@code {...}}), ranges and subqueries ({@code [...]}) and the label lists of
 * {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}; what is
 * left that looks like an identifier, is not followed by {@code (} (a function or aggregation) and is not a
 * keyword, is a metric name. Enough for the expressions of {@code deploy/}; it does not understand
 * {@code __name__} matchers, which they do not use.
 */
public final class PromQlNames {
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern LABEL_LIST = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  /** Histogram series read from a histogram family: the family name is the part before the suffix. */
  private static final Pattern HISTOGRAM_SUFFIX = Pattern.compile("_(bucket|sum|count)$");

  private PromQlNames() {}

  /** The metric names {@code expr} reads, as written (with any {@code _bucket}, {@code _sum}, {@code _count}). */
  public static Set<String> of(String expr) {
    String s = STRING.matcher(expr).replaceAll(" ");
    s = s.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    s = LABEL_LIST.matcher(s).replaceAll(" ");
    Set<String> out = new TreeSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String word = m.group();
      if (m.start() > 0 && isNumberPart(s.charAt(m.start() - 1))) {
        continue; // the exponent or unit of a number (1e3, 5m)
      }
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      boolean call = next < s.length() && s.charAt(next) == '(';
      if (!call && !KEYWORDS.contains(word.toLowerCase())) {
        out.add(word);
      }
    }
    return out;
  }

  private static boolean isNumberPart(char c) {
    return Character.isDigit(c) || c == '.';
  }

  /** The family a series name belongs to: {@code x_bucket}, {@code x_sum}, {@code x_count} belong to {@code x}. */
  public static String family(String name) {
    return HISTOGRAM_SUFFIX.matcher(name).replaceFirst("");
  }
}
