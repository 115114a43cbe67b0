package dev.ephyr.protocol.caveat;

import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * An immutable grant along one set dimension: everything ({@code *}), nothing ({@code -}), or a finite
 * set of identifiers. Intersection is the only way two grants combine, and {@code intersect(X, *) = X}.
 */
public final class IdSet {
  /** Longest identifier in a set. */
  public static final int MAX_ELEMENT_CHARS = 64;
  /** Most identifiers in one set. */
  public static final int MAX_ELEMENTS = 64;

  /** Everything. */
  public static final IdSet ALL = new IdSet(null);
  /** Nothing: the explicit empty grant, written {@code -}. */
  public static final IdSet NONE = new IdSet(new String[0]);

  private final String[] elements; // sorted, distinct; null means ALL

  private IdSet(String[] elements) {
    this.elements = elements;
  }

  /** Wraps identifiers already validated, sorted and distinct (the parser's output). */
  static IdSet ofSorted(String[] sorted) {
    return sorted.length == 0 ? NONE : new IdSet(sorted);
  }

  /** A finite grant of exactly these identifiers (each validated); empty means {@link #NONE}. */
  public static IdSet of(Collection<String> identifiers) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String id : identifiers) {
      if (!isIdentifier(id) || id.indexOf('*') >= 0 || id.equals("-")) {
        throw new IllegalArgumentException("not an identifier: '" + id + "' (allowed: 1-" + MAX_ELEMENT_CHARS
            + " characters of A-Z a-z 0-9 . _ : / @ -)");
      }
      sorted.add(id);
    }
    if (sorted.size() > MAX_ELEMENTS) {
      throw new IllegalArgumentException("a grant names at most " + MAX_ELEMENTS + " identifiers");
    }
    return sorted.isEmpty() ? NONE : new IdSet(sorted.toArray(new String[0]));
  }

  /** A finite grant of exactly these identifiers. */
  public static IdSet of(String... identifiers) {
    return of(Arrays.asList(identifiers));
  }

  /** Whether {@code s} is a valid set element: 1–64 characters of {@code [A-Za-z0-9._:/@*-]}. */
  public static boolean isIdentifier(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_ELEMENT_CHARS) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isIdentifierChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean isIdentifierChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == ':' || c == '/' || c == '@' || c == '*' || c == '-';
  }

  /**
   * Parses the value of a set caveat: {@code *}, {@code -}, or comma-separated identifiers without
   * spaces, sorted or not, no duplicates, no empty elements, no {@code *} inside. Returns {@code null}
   * when the value is not acceptable.
   */
  static IdSet parse(String value) {
    if (value.equals("*")) {
      return ALL;
    }
    if (value.equals("-")) {
      return NONE;
    }
    List<String> parts = split(value);
    if (parts == null) {
      return null;
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String p : parts) {
      if (p.indexOf('*') >= 0 || !sorted.add(p)) {
        return null;
      }
    }
    return new IdSet(sorted.toArray(new String[0]));
  }

  /** Splits a comma list into valid identifiers, or {@code null}. */
  static List<String> split(String value) {
    List<String> parts = new ArrayList<>(4);
    int start = 0;
    for (int i = 0; i <= value.length(); i++) {
      if (i == value.length() || value.charAt(i) == ',') {
        String p = value.substring(start, i);
        if (!isIdentifier(p) || parts.size() == MAX_ELEMENTS) {
          return null;
        }
        parts.add(p);
        start = i + 1;
      }
    }
    return parts;
  }

  /**
   * The elements of the comma list {@code b[from, end)}, which the parser has already checked (valid,
   * sorted, distinct, at most {@link #MAX_ELEMENTS}), as strings.
   */
  static String[] strings(byte[] b, int from, int end) {
    int count = 1;
    for (int i = from; i < end; i++) {
      if (b[i] == ',') {
        count++;
      }
    }
    String[] out = new String[count];
    int n = 0;
    int start = from;
    for (int i = from; i <= end; i++) {
      if (i == end || b[i] == ',') {
        out[n++] = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
        start = i + 1;
      }
    }
    return out;
  }

  /**
   * {@code intersect} with the set written as the checked comma list {@code b[from, end)}, without making
   * a string for any of its elements: the result's elements are this set's own. This set must be finite.
   */
  IdSet intersectElements(byte[] b, int from, int end) {
    // At most MAX_ELEMENTS (64) elements: one bit each for the ones both sets hold.
    long kept = 0;
    int i = 0;
    int start = from;
    for (int p = from; p <= end && i < elements.length; p++) {
      if (p == end || b[p] == ',') {
        // Both lists are sorted: skip this set's smaller elements, keep an equal one.
        int c;
        while (i < elements.length && (c = compare(elements[i], b, start, p)) <= 0) {
          if (c == 0) {
            kept |= 1L << i;
          }
          i++;
        }
        start = p + 1;
      }
    }
    int n = Long.bitCount(kept);
    if (n == elements.length) {
      return this;
    }
    if (n == 0) {
      return NONE;
    }
    String[] out = new String[n];
    int k = 0;
    for (int j = 0; j < elements.length; j++) {
      if ((kept & (1L << j)) != 0) {
        out[k++] = elements[j];
      }
    }
    return new IdSet(out);
  }

  /** {@code s.compareTo(the Latin-1 text b[from, to))}, without making that text. */
  private static int compare(String s, byte[] b, int from, int to) {
    int len = to - from;
    int min = Math.min(s.length(), len);
    for (int k = 0; k < min; k++) {
      int c = s.charAt(k) - (b[from + k] & 0xff);
      if (c != 0) {
        return c;
      }
    }
    return s.length() - len;
  }

  /** Whether this grant is {@code *}. */
  public boolean isAll() {
    return elements == null;
  }

  /** Whether this grant is empty. */
  public boolean isNone() {
    return elements != null && elements.length == 0;
  }

  /** Whether {@code id} is granted. */
  public boolean contains(String id) {
    return elements == null || Arrays.binarySearch(elements, id) >= 0;
  }

  /** Whether every identifier this grant allows is also allowed by {@code other}. */
  public boolean isWithin(IdSet other) {
    if (other.elements == null) {
      return true;
    }
    if (elements == null) {
      return false;
    }
    for (String e : elements) {
      if (Arrays.binarySearch(other.elements, e) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The grant allowed by both. */
  public IdSet intersect(IdSet other) {
    if (other.elements == null || this == other) {
      return this;
    }
    if (elements == null) {
      return other;
    }
    String[] out = new String[Math.min(elements.length, other.elements.length)];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < elements.length && j < other.elements.length) {
      int c = elements[i].compareTo(other.elements[j]);
      if (c == 0) {
        out[n++] = elements[i];
        i++;
        j++;
      } else if (c < 0) {
        i++;
      } else {
        j++;
      }
    }
    if (n == elements.length) {
      return this;
    }
    return n == 0 ? NONE : new IdSet(Arrays.copyOf(out, n));
  }

  /** The identifiers, sorted; empty for {@link #NONE}; throws for {@link #ALL}. */
  public List<String> elements() {
    if (elements == null) {
      throw new IllegalStateException("'*' has no finite list of elements");
    }
    return List.of(elements);
  }

  /** Caveat value form: {@code *}, {@code -} or {@code a,b,c}. */
  public String render() {
    if (elements == null) {
      return "*";
    }
    if (elements.length == 0) {
      return "-";
    }
    return String.join(",", elements);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdSet other && Arrays.equals(elements, other.elements)
        && (elements == null) == (other.elements == null);
  }

  @Override
  public int hashCode() {
    return elements == null ? 1 : Arrays.hashCode(elements);
  }

  @Override
  public String toString() {
    return render();
  }
}
