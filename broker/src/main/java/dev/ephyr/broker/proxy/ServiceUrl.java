package dev.ephyr.broker.proxy;

import java.net.URI;
import java.util.Locale;

/**
 * Splits a full URL an agent gave into origin and path-and-query, and says whether the origin is
 * <em>exactly</em> a service's: same scheme, same host (ASCII, case-insensitive, no trailing dot), same
 * port (the scheme's default when omitted). Deliberately stricter than a general URL parser: the authority
 * may only be {@code host}, {@code host:port} or {@code [v6]} / {@code [v6]:port} — no user info
 * ({@code http://svc:@evil/}), no backslashes, no percent-escapes, no second colon, nothing a browser and a
 * server could read differently.
 */
final class ServiceUrl {
  private ServiceUrl() {}

  /**
   * A URL split at its authority.
   *
   * @param scheme {@code http} or {@code https}
   * @param host lower-case host ({@code [..]} kept for IPv6)
   * @param port explicit or default port
   * @param pathAndQuery everything after the authority ({@code /} when empty)
   */
  record Split(String scheme, String host, int port, String pathAndQuery) implements Parsed {}

  /** A refused URL and why, in a sentence. */
  record Bad(String message) implements Parsed {}

  /** A split URL or the reason it is refused. */
  sealed interface Parsed permits Split, Bad {}

  /** The URL split, or a sentence saying why it is refused. */
  static Parsed split(String url) {
    if (url.length() > RequestTarget.MAX_CHARS + 300) {
      return new Bad("the URL is too long");
    }
    int colon = url.indexOf("://");
    if (colon < 0) {
      return new Bad("the URL must be absolute (http:// or https://)");
    }
    String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return new Bad("only http and https URLs can be proxied");
    }
    int start = colon + 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String authority = url.substring(start, end);
    String rest = end == url.length() ? "/" : url.substring(end);
    if (rest.startsWith("?")) {
      rest = "/" + rest;
    }
    if (authority.isEmpty()) {
      return new Bad("the URL names no host");
    }
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      if (c == '@') {
        return new Bad("the URL carries user info (user@ or user:pass@); credentials come only from the service");
      }
      if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '%') {
        return new Bad("the URL's host contains a character that is not allowed there");
      }
    }
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        return new Bad("the URL's IPv6 host is not closed with ]");
      }
      host = authority.substring(0, close + 1);
      String after = authority.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          return new Bad("unexpected text after the URL's IPv6 host");
        }
        portText = after.substring(1);
      }
    } else {
      int c = authority.indexOf(':');
      host = c < 0 ? authority : authority.substring(0, c);
      portText = c < 0 ? null : authority.substring(c + 1);
    }
    int port = scheme.equals("https") ? 443 : 80;
    if (portText != null) {
      if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
        return new Bad("the URL's port is not a number");
      }
      port = Integer.parseInt(portText);
      if (port < 1 || port > 65535) {
        return new Bad("the URL's port is out of range");
      }
    }
    if (host.isEmpty()) {
      return new Bad("the URL names no host");
    }
    return new Split(scheme, host.toLowerCase(Locale.ROOT), port, rest);
  }

  /** Whether {@code split} names exactly {@code origin} (a policy origin: lower-case, no path). */
  static boolean sameOrigin(Split split, URI origin) {
    return split.scheme().equals(origin.getScheme()) && split.host().equals(origin.getHost())
        && split.port() == port(origin);
  }

  /** The origin's port, explicit or the scheme's default. */
  static int port(URI origin) {
    return origin.getPort() >= 0 ? origin.getPort() : origin.getScheme().equals("https") ? 443 : 80;
  }

  /** The origin as text ({@code https://host[:port]}), for messages. */
  static String text(URI origin) {
    return origin.getScheme() + "://" + origin.getRawAuthority();
  }
}
