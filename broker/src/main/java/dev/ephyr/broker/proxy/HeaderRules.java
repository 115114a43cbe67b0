package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.CredentialAuth;
import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the proxy, each way. Hop-by-hop headers (RFC 9110 §7.6.1, plus any named in
 * {@code Connection}) never cross. Toward the service, anything that carries or could carry a credential is
 * dropped — the agent's {@code Authorization} (on the route it holds the agent's own broker credential),
 * {@code Proxy-Authorization}, {@code Cookie}, {@code DPoP}, the service's injected header — and so are
 * {@code Host} and framing headers, which the client sets, and {@code Forwarded}/{@code X-Forwarded-*}, which
 * would describe the broker's network. Back toward the agent, {@code Set-Cookie} (a session minted for the
 * service credential), {@code WWW-Authenticate} and {@code Proxy-Authenticate} (challenges for the broker's
 * credential, not the agent's) and headers that would bind the broker's own origin ({@code Alt-Svc},
 * {@code Strict-Transport-Security}) are dropped; {@code Location} is handled by {@link Redirects}.
 *
 * <p>For a service with an injected credential, nothing the agent sends may change the bytes the
 * {@link Redactor} has to read: {@code Accept-Encoding} becomes {@code identity}, {@code Accept-Charset} is
 * dropped, and so are {@code Range} and {@code If-Range}, so a secret can never be split across two partial
 * responses — the service answers the whole representation, which is redacted as a whole.
 */
final class HeaderRules {
  /** Most headers an agent may send through the tool. */
  static final int MAX_HEADERS = 64;
  /** Longest header value an agent may send through the tool. */
  static final int MAX_VALUE_CHARS = 8192;

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
      "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization",
      "http2-settings");
  private static final Set<String> REQUEST_DROPPED = Set.of("authorization", "cookie", "cookie2", "dpop",
      "host", "content-length", "expect", "forwarded", "via", "x-forwarded-for", "x-forwarded-host",
      "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "mcp-session-id", "mcp-protocol-version", "origin");
  /** Dropped toward a service with a credential: they choose how the answer is encoded or cut. */
  private static final Set<String> REDACTION_DROPPED = Set.of("accept-encoding", "accept-charset", "range",
      "if-range");
  private static final Set<String> RESPONSE_DROPPED = Set.of("set-cookie", "set-cookie2", "www-authenticate",
      "authorization", "cookie", "alt-svc", "strict-transport-security", "content-location", "location",
      "content-length");

  private HeaderRules() {}

  /**
   * The headers to send upstream: {@code agent}'s minus every dropped one. {@code auth} (may be null) names
   * the service's credential header, which is dropped too so an agent cannot replace the credential; with a
   * credential the answer is asked for as plain bytes ({@code Accept-Encoding: identity}) and whole.
   */
  static MultiMap outbound(Iterable<Map.Entry<String, String>> agent, CredentialAuth auth) {
    Set<String> named = connectionNamed(agent);
    String injected = auth != null && auth.type() == CredentialAuth.Type.HEADER
        ? auth.name().toLowerCase(Locale.ROOT) : null;
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> h : agent) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(n) || REQUEST_DROPPED.contains(n) || named.contains(n) || n.equals(injected)
          || n.startsWith("x-forwarded-") || n.startsWith("x-ephyr-")
          || (auth != null && REDACTION_DROPPED.contains(n))) {
        continue;
      }
      out.add(h.getKey(), h.getValue());
    }
    if (auth != null) {
      out.set("Accept-Encoding", "identity");
    }
    return out;
  }

  /** The upstream response headers an agent may see ({@code Location} and framing excluded). */
  static MultiMap inbound(Iterable<Map.Entry<String, String>> upstream) {
    Set<String> named = connectionNamed(upstream);
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> h : upstream) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(n) || RESPONSE_DROPPED.contains(n) || named.contains(n)) {
        continue;
      }
      out.add(h.getKey(), h.getValue());
    }
    return out;
  }

  /**
   * Why a response of a service with a credential cannot be relayed, or {@code null}: a {@code Content-Encoding}
   * or a transfer coding other than {@code chunked} (the service ignored {@code Accept-Encoding: identity}),
   * whose bytes the redactor cannot read. Refused rather than decoded: the broker never inflates a body.
   */
  static String unreadableEncoding(MultiMap response) {
    for (String v : response.getAll("Content-Encoding")) {
      for (String t : v.split(",")) {
        String c = t.trim().toLowerCase(Locale.ROOT);
        if (!c.isEmpty() && !c.equals("identity")) {
          return "Content-Encoding " + Access.clip(c);
        }
      }
    }
    for (String v : response.getAll("Transfer-Encoding")) {
      for (String t : v.split(",")) {
        String c = t.trim().toLowerCase(Locale.ROOT);
        if (!c.isEmpty() && !c.equals("chunked") && !c.equals("identity")) {
          return "Transfer-Encoding " + Access.clip(c);
        }
      }
    }
    return null;
  }

  /** Header names listed in {@code Connection} (they are hop-by-hop by declaration). */
  private static Set<String> connectionNamed(Iterable<Map.Entry<String, String>> headers) {
    Set<String> out = new HashSet<>();
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("connection")) {
        for (String t : h.getValue().split(",")) {
          out.add(t.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  /** Why a header an agent passed is unusable, or {@code null}: a token name and a one-line value. */
  static String problem(String name, String value) {
    if (name.isEmpty() || name.length() > 256) {
      return "a header name must be 1 to 256 characters";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return "header name '" + Access.clip(name) + "' has a character not allowed in header names";
      }
    }
    if (value.length() > MAX_VALUE_CHARS) {
      return "header " + name + " is longer than " + MAX_VALUE_CHARS + " characters";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return "header " + name + " contains a control character (CR, LF or NUL)";
      }
    }
    return null;
  }

  /** Names the agent sent that were dropped (for the tool's answer, so it is not a silent change). */
  static List<String> dropped(Iterable<Map.Entry<String, String>> agent, MultiMap kept) {
    List<String> out = new java.util.ArrayList<>();
    for (Map.Entry<String, String> h : agent) {
      if (!kept.contains(h.getKey()) && !out.contains(h.getKey())) {
        out.add(h.getKey());
      }
    }
    return out;
  }
}
