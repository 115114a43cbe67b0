package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.ServicePolicy;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of {@code http_request}, checked: types, the method, the target (path or a URL that must
 * name exactly a service's origin), headers, body and timeout. Access is decided later, by {@link Access}.
 */
final class RequestArgs {
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private RequestArgs() {}

  /** Checked arguments, or why they are refused. */
  sealed interface Parsed permits Request, Bad {}

  /**
   * Checked arguments.
   *
   * @param service the service
   * @param method upper-case method
   * @param target checked path and query
   * @param headers the agent's headers, each checked for shape
   * @param body the body, or {@code null}
   * @param timeout the agent's own limit (the service's applies too)
   */
  record Request(String service, String method, RequestTarget target, List<Map.Entry<String, String>> headers,
      Buffer body, Duration timeout) implements Parsed {}

  /** Refused arguments: which one and why. */
  record Bad(String message) implements Parsed {}

  /** Checks {@code a} against the tool's rules; {@code policy} maps a {@code url} to its service. */
  static Parsed parse(JsonObject a, Set<String> known, Policy policy) {
    for (String k : a.fieldNames()) {
      if (!known.contains(k)) {
        return new Bad("unknown argument '" + Access.clip(k) + "'");
      }
    }
    Object service = a.getValue("service");
    Object url = a.getValue("url");
    Object path = a.getValue("path");
    if (service != null && !(service instanceof String)) {
      return new Bad("service must be a string");
    }
    if (url != null && !(url instanceof String)) {
      return new Bad("url must be a string");
    }
    if (path != null && !(path instanceof String)) {
      return new Bad("path must be a string");
    }
    if (url != null && path != null) {
      return new Bad("give either url or path, not both");
    }
    String svcName = (String) service;
    String pathAndQuery = path == null ? "/" : (String) path;
    if (url != null) {
      ServiceUrl.Parsed split = ServiceUrl.split((String) url);
      if (split instanceof ServiceUrl.Bad bad) {
        return new Bad("url refused: " + bad.message());
      }
      ServiceUrl.Split s = (ServiceUrl.Split) split;
      String match = null;
      if (svcName != null) {
        ServicePolicy named = policy.services().get(svcName);
        if (named != null && !ServiceUrl.sameOrigin(s, named.origin())) {
          return new Bad("url refused: its origin is not exactly the origin of service '"
              + Access.clip(svcName) + "' (" + ServiceUrl.text(named.origin()) + "); the proxy sends a "
              + "credential only to its service's exact scheme, host and port");
        }
        match = svcName;
      } else {
        List<String> same = new ArrayList<>();
        for (ServicePolicy svc : policy.services().values()) {
          if (ServiceUrl.sameOrigin(s, svc.origin())) {
            same.add(svc.name());
          }
        }
        if (same.isEmpty()) {
          return new Bad("url refused: no service has exactly this origin, and the proxy "
              + "reaches nothing else");
        }
        if (same.size() > 1) {
          return new Bad("several services share this origin; name one with 'service'");
        }
        match = same.get(0);
      }
      svcName = match;
      pathAndQuery = s.pathAndQuery();
    }
    if (svcName == null) {
      return new Bad("service is required (or a url on a service's origin)");
    }
    Object m = a.getValue("method");
    if (m != null && !(m instanceof String)) {
      return new Bad("method must be a string");
    }
    String method = m == null ? "GET" : ((String) m).toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      return new Bad("method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    }
    Object q = a.getValue("query");
    if (q != null) {
      if (!(q instanceof JsonObject qo) || qo.size() > 100) {
        return new Bad("query must be an object of at most 100 name → string value");
      }
      StringBuilder extra = new StringBuilder();
      for (Map.Entry<String, Object> e : qo) {
        if (!(e.getValue() instanceof String v)) {
          return new Bad("query." + Access.clip(e.getKey()) + " must be a string");
        }
        extra.append(extra.length() == 0 ? "" : "&").append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
            .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
      if (extra.length() > 0) {
        pathAndQuery += (pathAndQuery.indexOf('?') < 0 ? "?" : "&") + extra;
      }
    }
    RequestTarget.Parsed t = RequestTarget.parse(pathAndQuery);
    if (t instanceof RequestTarget.Invalid bad) {
      return new Bad("path refused: " + bad.message());
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    Object h = a.getValue("headers");
    if (h != null) {
      if (!(h instanceof JsonObject ho) || ho.size() > HeaderRules.MAX_HEADERS) {
        return new Bad("headers must be an object of at most " + HeaderRules.MAX_HEADERS
            + " name → string value");
      }
      for (Map.Entry<String, Object> e : ho) {
        if (!(e.getValue() instanceof String v)) {
          return new Bad("headers." + Access.clip(e.getKey()) + " must be a string");
        }
        String why = HeaderRules.problem(e.getKey(), v);
        if (why != null) {
          return new Bad(why);
        }
        headers.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), v));
      }
    }
    Object body = a.getValue("body");
    Object body64 = a.getValue("body_base64");
    if (body != null && body64 != null) {
      return new Bad("give either body or body_base64, not both");
    }
    Buffer buf = null;
    if (body != null) {
      if (!(body instanceof String s)) {
        return new Bad("body must be a string");
      }
      buf = Buffer.buffer(s);
    } else if (body64 != null) {
      if (!(body64 instanceof String s)) {
        return new Bad("body_base64 must be a string");
      }
      try {
        buf = Buffer.buffer(Base64.getDecoder().decode(s));
      } catch (IllegalArgumentException e) {
        return new Bad("body_base64 is not valid base64");
      }
    }
    if (buf != null && (method.equals("GET") || method.equals("HEAD"))) {
      return new Bad(method + " requests carry no body");
    }
    Object to = a.getValue("timeout_seconds");
    Duration timeout = Duration.ofMinutes(10);
    if (to != null) {
      if (!(to instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 1
          || n.longValue() > 600) {
        return new Bad("timeout_seconds must be an integer from 1 to 600");
      }
      timeout = Duration.ofSeconds(n.longValue());
    }
    return new Request(svcName, method, ((RequestTarget.Valid) t).target(), headers, buf, timeout);
  }
}
