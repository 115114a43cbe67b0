package dev.ephyr.broker.yaml;

/** Levenshtein distance between short words, for "did you mean" hints in policy, configuration and CLI errors. */
public final class EditDistance {
  /** Words longer than this are not compared (hints are for typos, not essays). */
  public static final int MAX_WORD = 64;

  private EditDistance() {}

  /** The edit distance of {@code a} and {@code b}, or {@link Integer#MAX_VALUE} when clearly far apart. */
  public static int of(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 3 || a.length() > MAX_WORD || b.length() > MAX_WORD) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
