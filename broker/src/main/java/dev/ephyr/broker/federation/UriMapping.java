package dev.ephyr.broker.federation;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Resource URIs of a remote, as agents see them: {@code ephyr://remote/<name>/<uri, percent-encoded>}. So
 * a URI from one remote cannot be mistaken for another's or for the broker's own, and an agent handing
 * such a URI back as a tool argument to the same remote gets the original delivered.
 */
final class UriMapping {
  static final String PREFIX = "ephyr://remote/";

  private UriMapping() {}

  /** The agent-facing form of {@code uri} from {@code remote}. */
  static String outward(String remote, String uri) {
    return PREFIX + remote + "/" + URLEncoder.encode(uri, StandardCharsets.UTF_8);
  }

  /** The remote's original URI if {@code s} is the agent-facing form of a URI of {@code remote}, else null. */
  static String inward(String remote, String s) {
    String p = PREFIX + remote + "/";
    if (!s.startsWith(p) || s.length() == p.length()) {
      return null;
    }
    try {
      return URLDecoder.decode(s.substring(p.length()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null; // not our encoding; leave it as the agent wrote it
    }
  }

  /** {@code args} with every string that is a mapped URI of {@code remote} turned back into the original. */
  static Object inwardAll(String remote, Object value) {
    if (value instanceof String s) {
      String orig = inward(remote, s);
      return orig == null ? s : orig;
    }
    if (value instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey(), inwardAll(remote, e.getValue())));
      return out;
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(v -> out.add(inwardAll(remote, v)));
      return out;
    }
    return value;
  }

  /** A content item with its resource URI mapped outward ({@code resource_link}, embedded {@code resource}). */
  static JsonObject outwardContent(String remote, JsonObject item) {
    Object type = item.getValue("type");
    if ("resource_link".equals(type) && item.getValue("uri") instanceof String uri) {
      item.put("uri", outward(remote, uri));
    } else if ("resource".equals(type) && item.getValue("resource") instanceof JsonObject r
        && r.getValue("uri") instanceof String uri) {
      r.put("uri", outward(remote, uri));
    }
    return item;
  }
}
