package dev.ephyr.protocol.dpop;

/**
 * Compares a proof's {@code htu} with the URL of the request, as RFC 9449 §4.3 asks: scheme and host
 * compare case-insensitively, a default port equals no port, an empty path equals "/", query and fragment
 * are ignored on both sides, and the path compares exactly (no percent-decoding, no dot-segment removal, so
 * two spellings of one path are two targets). Only absolute http and https URLs without user info count.
 * No regex and no {@code java.net.URI}: this runs on every request and must not throw.
 */
final class Htu {
  private final String text;
  private final boolean https;
  private final int hostStart;
  private final int hostEnd;
  private final int port; // -1 for the scheme's default
  private final int pathStart;
  private final int pathEnd;

  private Htu(String text, boolean https, int hostStart, int hostEnd, int port, int pathStart, int pathEnd) {
    this.text = text;
    this.https = https;
    this.hostStart = hostStart;
    this.hostEnd = hostEnd;
    this.port = port;
    this.pathStart = pathStart;
    this.pathEnd = pathEnd;
  }

  /** True when both are valid http(s) URLs that name the same target. */
  static boolean sameTarget(String a, String b) {
    Htu x = parse(a);
    if (x == null) {
      return false;
    }
    Htu y = parse(b);
    return y != null && x.sameAs(y);
  }

  /** The URL without query and fragment, which is what a proof's {@code htu} carries. */
  static String stripQueryAndFragment(String url) {
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '?' || c == '#') {
        return url.substring(0, i);
      }
    }
    return url;
  }

  private boolean sameAs(Htu o) {
    if (https != o.https || port != o.port) {
      return false;
    }
    int hl = hostEnd - hostStart;
    if (hl != o.hostEnd - o.hostStart) {
      return false;
    }
    for (int i = 0; i < hl; i++) {
      if (lower(text.charAt(hostStart + i)) != lower(o.text.charAt(o.hostStart + i))) {
        return false;
      }
    }
    int pl = pathEnd - pathStart;
    int opl = o.pathEnd - o.pathStart;
    if (pl == 0 || opl == 0) {
      // An empty path is "/" (RFC 3986 §6.2.3).
      return isRootOrEmpty(text, pathStart, pathEnd) && isRootOrEmpty(o.text, o.pathStart, o.pathEnd);
    }
    return pl == opl && text.regionMatches(pathStart, o.text, o.pathStart, pl);
  }

  private static boolean isRootOrEmpty(String s, int from, int to) {
    return to == from || (to == from + 1 && s.charAt(from) == '/');
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }

  static Htu parse(String s) {
    int n = s.length();
    if (n > 4096) {
      return null;
    }
    boolean https;
    int authStart;
    if (startsWithIgnoreCase(s, "https://")) {
      https = true;
      authStart = 8;
    } else if (startsWithIgnoreCase(s, "http://")) {
      https = false;
      authStart = 7;
    } else {
      return null;
    }
    int authEnd = authStart;
    while (authEnd < n) {
      char c = s.charAt(authEnd);
      if (c == '/' || c == '?' || c == '#') {
        break;
      }
      if (c <= 0x20 || c >= 0x7f || c == '@' || c == '\\') {
        return null; // user info, controls, non-ASCII (IDNs must arrive as punycode)
      }
      authEnd++;
    }
    int hostStart = authStart;
    int hostEnd;
    int portStart;
    if (authStart < authEnd && s.charAt(authStart) == '[') {
      int close = s.indexOf(']', authStart);
      if (close < 0 || close >= authEnd) {
        return null;
      }
      hostEnd = close + 1;
      if (hostEnd == authEnd) {
        portStart = -1;
      } else if (s.charAt(hostEnd) == ':') {
        portStart = hostEnd + 1;
      } else {
        return null;
      }
    } else {
      int colon = s.indexOf(':', authStart);
      if (colon >= 0 && colon < authEnd) {
        hostEnd = colon;
        portStart = colon + 1;
      } else {
        hostEnd = authEnd;
        portStart = -1;
      }
      for (int i = hostStart; i < hostEnd; i++) {
        char c = s.charAt(i);
        if (c == '[' || c == ']') {
          return null;
        }
      }
    }
    if (hostEnd == hostStart) {
      return null;
    }
    int port = -1;
    if (portStart >= 0 && portStart < authEnd) {
      if (authEnd - portStart > 5) {
        return null;
      }
      int p = 0;
      for (int i = portStart; i < authEnd; i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return null;
        }
        p = p * 10 + (c - '0');
      }
      if (p > 65535) {
        return null;
      }
      port = p == (https ? 443 : 80) ? -1 : p;
    }
    int pathEnd = authEnd;
    while (pathEnd < n) {
      char c = s.charAt(pathEnd);
      if (c == '?' || c == '#') {
        break;
      }
      if (c <= 0x20 || c >= 0x7f) {
        return null;
      }
      pathEnd++;
    }
    return new Htu(s, https, hostStart, hostEnd, port, authEnd, pathEnd);
  }

  private static boolean startsWithIgnoreCase(String s, String asciiLowerPrefix) {
    if (s.length() < asciiLowerPrefix.length()) {
      return false;
    }
    for (int i = 0; i < asciiLowerPrefix.length(); i++) {
      if (lower(s.charAt(i)) != asciiLowerPrefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
