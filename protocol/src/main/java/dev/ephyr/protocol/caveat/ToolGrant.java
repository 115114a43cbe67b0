package dev.ephyr.protocol.caveat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Which federated tools may be called. Each {@code tools} caveat is a list of patterns {@code remote__glob}
 * or, in the older spelling, {@code remote.glob} ({@code *} in the tool part matches any run of characters),
 * or {@code *}; a tool is granted when <em>every</em> list in the chain has a pattern matching it. Appending
 * a list can therefore only remove tools — intersection of matchers without computing it. The remote part
 * ends at the first separator ({@code .} or {@code __}), which remote names never contain; either spelling
 * matches the tool's name at the remote, and the {@code __} spelling also its listed (shortened) name.
 */
public final class ToolGrant {
  /** Longest list of patterns kept in one grant (across all its lists). */
  public static final int MAX_PATTERNS = 256;

  /** Every tool. */
  public static final ToolGrant ALL = new ToolGrant(List.of());
  /** No tool. */
  public static final ToolGrant NONE = new ToolGrant(List.<String[]>of(new String[0]));

  private final List<String[]> lists; // each sorted, distinct; the grant is their conjunction

  private ToolGrant(List<String[]> lists) {
    this.lists = lists;
  }

  /** Wraps one list of patterns already validated, sorted and distinct (the parser's output). */
  static ToolGrant ofSorted(String[] sorted) {
    return new ToolGrant(List.<String[]>of(sorted));
  }

  /** A grant of exactly these patterns (validated); empty means {@link #NONE}. */
  public static ToolGrant of(Collection<String> patterns) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String p : patterns) {
      if (!isPattern(p)) {
        throw new IllegalArgumentException("not a tool pattern: '" + p
            + "' (expected remote__tool, remote__prefix_*, remote.tool, or *)");
      }
      sorted.add(p);
    }
    if (sorted.contains("*")) {
      return ALL;
    }
    if (sorted.size() > IdSet.MAX_ELEMENTS) {
      throw new IllegalArgumentException("a tools grant names at most " + IdSet.MAX_ELEMENTS + " patterns");
    }
    return sorted.isEmpty() ? NONE : new ToolGrant(List.<String[]>of(sorted.toArray(new String[0])));
  }

  /** A grant of exactly these patterns. */
  public static ToolGrant of(String... patterns) {
    return of(Arrays.asList(patterns));
  }

  /**
   * Whether {@code p} is a pattern: {@code *}, or a remote name (identifier characters without {@code .},
   * {@code __} and {@code *}), a separator ({@code __} or {@code .}), and a non-empty tool part of identifier
   * characters where {@code *} is a glob.
   */
  public static boolean isPattern(String p) {
    if (!IdSet.isIdentifier(p)) {
      return false;
    }
    if (p.equals("*")) {
      return true;
    }
    int sep = separator(p);
    if (sep <= 0 || sep + separatorLength(p, sep) >= p.length()) {
      return false;
    }
    for (int i = 0; i < sep; i++) {
      if (p.charAt(i) == '*') {
        return false;
      }
    }
    return true;
  }

  /** The remote a pattern is for ({@code gh} of {@code gh__list_*} or {@code gh.list_*}), or null for none. */
  public static String remoteOf(String pattern) {
    int sep = separator(pattern);
    return sep <= 0 ? null : pattern.substring(0, sep);
  }

  /** Index of the first separator ({@code .} or {@code __}), or -1: one pass that stops at the remote's end. */
  private static int separator(String p) {
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '.' || (c == '_' && i + 1 < p.length() && p.charAt(i + 1) == '_')) {
        return i;
      }
    }
    return -1;
  }

  private static int separatorLength(String p, int sep) {
    return p.charAt(sep) == '.' ? 1 : 2;
  }

  /** Parses a {@code tools} caveat value, or returns {@code null}. */
  static ToolGrant parse(String value) {
    if (value.equals("*")) {
      return ALL;
    }
    if (value.equals("-")) {
      return NONE;
    }
    List<String> parts = IdSet.split(value);
    if (parts == null) {
      return null;
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String p : parts) {
      if (!isPattern(p) || p.equals("*") || !sorted.add(p)) {
        return null;
      }
    }
    return new ToolGrant(List.<String[]>of(sorted.toArray(new String[0])));
  }

  /** Whether the tool {@code remote.tool} (its name at the remote after the first dot) is granted. */
  public boolean allows(String qualifiedTool) {
    int dot = qualifiedTool.indexOf('.');
    if (dot <= 0) {
      return lists.isEmpty();
    }
    return allows(qualifiedTool.substring(0, dot), qualifiedTool.substring(dot + 1), null);
  }

  /**
   * Whether a tool of {@code remote} is granted.
   *
   * @param tool its name at the remote
   * @param listed its name as listed after {@code remote__} (differs when shortened or mapped), or null
   */
  public boolean allows(String remote, String tool, String listed) {
    for (String[] list : lists) {
      boolean any = false;
      for (String pattern : list) {
        if (matches(pattern, remote, tool, listed)) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(String pattern, String remote, String tool, String listed) {
    int sep = separator(pattern);
    if (sep != remote.length() || !pattern.startsWith(remote)) {
      return false;
    }
    int len = separatorLength(pattern, sep);
    String glob = pattern.substring(sep + len);
    // Only the new spelling is written against listed names; the old one keeps meaning the remote's names.
    return matches(glob, tool) || (len == 2 && listed != null && matches(glob, listed));
  }

  /** Whether some tool of {@code remote} may be granted (used to hide remotes in listings). */
  public boolean mayAllowRemote(String remote) {
    for (String[] list : lists) {
      boolean any = false;
      for (String pattern : list) {
        if (remote.equals(remoteOf(pattern))) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }

  /** Glob match where {@code *} matches any run of characters (including none). */
  static boolean matches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int mark = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  /** How many patterns the grant holds across its lists. */
  public int patternCount() {
    int total = 0;
    for (String[] l : lists) {
      total += l.length;
    }
    return total;
  }

  /** Whether this grant is everything. */
  public boolean isAll() {
    return lists.isEmpty();
  }

  /** Whether this grant is certainly empty (some list has no pattern). */
  public boolean isNone() {
    for (String[] list : lists) {
      if (list.length == 0) {
        return true;
      }
    }
    return false;
  }

  /** The grant allowed by both (the conjunction of their lists). */
  public ToolGrant intersect(ToolGrant other) {
    if (other.lists.isEmpty()) {
      return this;
    }
    if (lists.isEmpty()) {
      return other;
    }
    if (isNone()) {
      return this;
    }
    if (other.isNone()) {
      return other;
    }
    List<String[]> both = new ArrayList<>(lists.size() + other.lists.size());
    both.addAll(lists);
    for (String[] l : other.lists) {
      boolean dup = false;
      for (String[] mine : lists) {
        if (Arrays.equals(mine, l)) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        both.add(l);
      }
    }
    if (patternCount() + other.patternCount() > MAX_PATTERNS) {
      throw new IllegalArgumentException("tools grant grew beyond " + MAX_PATTERNS + " patterns");
    }
    return new ToolGrant(List.copyOf(both));
  }

  /** The pattern lists, each rendered as a caveat value; empty for {@link #ALL}. */
  public List<String> renderLists() {
    List<String> out = new ArrayList<>(lists.size());
    for (String[] l : lists) {
      out.add(l.length == 0 ? "-" : String.join(",", l));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ToolGrant other) || other.lists.size() != lists.size()) {
      return false;
    }
    for (int i = 0; i < lists.size(); i++) {
      if (!Arrays.equals(lists.get(i), other.lists.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (String[] l : lists) {
      h = 31 * h + Arrays.hashCode(l);
    }
    return h;
  }

  @Override
  public String toString() {
    return lists.isEmpty() ? "*" : String.join(" & ", renderLists());
  }
}
