package dev.ephyr.broker.proxy;

import java.net.URI;

/**
 * The proxy never follows a redirect — following one would carry the credential, or the request, somewhere
 * the policy did not name. It returns the 3xx to the agent, and decides what the agent may learn of the
 * {@code Location}: a target on the <em>same</em> origin is kept as a path on that service (the agent can
 * ask for it in a new, separately checked request); a target anywhere else is removed and reported as such.
 */
final class Redirects {
  private Redirects() {}

  /**
   * The path and query {@code location} points to on {@code origin}, resolved against {@code requestPath};
   * {@code null} when it points to another origin or cannot be read.
   */
  static String sameOriginTarget(String location, URI origin, String requestPath) {
    if (location == null || location.isEmpty() || location.length() > RequestTarget.MAX_CHARS) {
      return null;
    }
    String l = location.trim();
    if (l.startsWith("//")) {
      l = origin.getScheme() + ":" + l;
    }
    if (l.indexOf("://") > 0 && l.indexOf("://") < 8) {
      if (!(ServiceUrl.split(l) instanceof ServiceUrl.Split s) || !ServiceUrl.sameOrigin(s, origin)) {
        return null;
      }
      l = s.pathAndQuery();
    } else if (!l.startsWith("/")) {
      int colon = l.indexOf(':');
      int sl = l.indexOf('/');
      if (colon >= 0 && (sl < 0 || colon < sl)) {
        return null; // another scheme (mailto:, javascript:)
      }
      int slash = requestPath.lastIndexOf('/');
      l = requestPath.substring(0, slash + 1) + l;
    }
    int hash = l.indexOf('#');
    if (hash >= 0) {
      l = l.substring(0, hash);
    }
    try {
      // Resolve dot segments the way a client would before it asks again.
      URI u = new URI("http://x" + l).normalize();
      String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      if (p.startsWith("/..")) {
        return null;
      }
      return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }
}
