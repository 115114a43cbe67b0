package dev.ephyr.broker.proxy;

/**
 * Matches a decoded request path against a service's path globs: {@code *} matches any run of characters
 * within one segment, {@code **} any run across segments (including none); a trailing {@code /**} also matches
 * the directory itself. Everything else is literal. Globs come from the operator, paths from agents.
 */
final class PathGlob {
  private PathGlob() {}

  /** Whether {@code path} matches {@code glob}. */
  static boolean matches(String glob, String path) {
    // "/a/**" also covers "/a" itself, as people expect of a subtree.
    if (glob.endsWith("/**") && path.equals(glob.substring(0, glob.length() - 3))) {
      return true;
    }
    return match(glob, 0, path, 0);
  }

  private static boolean match(String g, int gi, String p, int pi) {
    // Backtracking is bounded: globs are at most 256 characters and paths 8 KiB, and each star tries each
    // remaining position once per call chain; policy globs have few stars.
    while (gi < g.length()) {
      char c = g.charAt(gi);
      if (c == '*') {
        boolean across = gi + 1 < g.length() && g.charAt(gi + 1) == '*';
        int next = across ? gi + 2 : gi + 1;
        if (next == g.length()) {
          return across || p.indexOf('/', pi) < 0;
        }
        for (int k = pi; k <= p.length(); k++) {
          if (match(g, next, p, k)) {
            return true;
          }
          if (k < p.length() && !across && p.charAt(k) == '/') {
            return false;
          }
        }
        return false;
      }
      if (pi >= p.length() || p.charAt(pi) != c) {
        return false;
      }
      gi++;
      pi++;
    }
    return pi == p.length();
  }
}
