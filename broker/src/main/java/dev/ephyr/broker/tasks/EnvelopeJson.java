package dev.ephyr.broker.tasks;

import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Renders envelopes as JSON and reads requested envelopes from tool arguments. */
public final class EnvelopeJson {
  private EnvelopeJson() {}

  /** {@code {"targets": "*" | [..], ..., "tools": "*" | [[..]], "expires_at", "delegate", "max_depth"}}. */
  public static JsonObject render(Envelope e) {
    JsonObject o = new JsonObject();
    for (Dimension d : Dimension.values()) {
      IdSet s = e.get(d);
      o.put(d.key(), s.isAll() ? "*" : new JsonArray(new ArrayList<>(s.elements())));
    }
    ToolGrant t = e.tools();
    if (t.isAll()) {
      o.put("tools", "*");
    } else {
      JsonArray lists = new JsonArray();
      for (String l : t.renderLists()) {
        lists.add(l.equals("-") ? new JsonArray() : new JsonArray(List.of(l.split(","))));
      }
      o.put("tools", lists);
    }
    return o.put("expires_at", Instant.ofEpochSecond(e.expiresAt()).toString()).put("delegate", e.delegate())
        .put("max_depth", e.maxDepth());
  }

  /**
   * The envelope a caller asks for: each dimension given narrows, each one left out grants everything
   * (it is intersected with the parent or policy anyway, so "absent" never widens anything).
   *
   * @throws IllegalArgumentException naming the offending argument
   */
  public static Envelope requested(JsonObject spec, long expiresAt, boolean delegate, int maxDepth) {
    Envelope.Builder b = Envelope.builder().expiresAt(expiresAt).delegate(delegate).maxDepth(maxDepth);
    for (Dimension d : Dimension.values()) {
      b.set(d, IdSet.ALL);
    }
    b.tools(ToolGrant.ALL);
    if (spec == null) {
      return b.build();
    }
    if (spec.size() > 16) {
      throw new IllegalArgumentException("envelope: too many members");
    }
    for (String key : spec.fieldNames()) {
      Object v = spec.getValue(key);
      if (key.equals("tools")) {
        b.tools(v instanceof String s && s.equals("*") ? ToolGrant.ALL : ToolGrant.of(strings("envelope.tools", v)));
        continue;
      }
      Dimension d = dimension(key);
      if (d == null) {
        throw new IllegalArgumentException("envelope." + key + " is not a dimension (targets, roles, services, "
            + "methods, remotes, tools)");
      }
      if (v instanceof String s && s.equals("*")) {
        b.set(d, IdSet.ALL);
      } else {
        b.set(d, IdSet.of(strings("envelope." + key, v)));
      }
    }
    return b.build();
  }

  private static Dimension dimension(String key) {
    for (Dimension d : Dimension.values()) {
      if (d.key().equals(key)) {
        return d;
      }
    }
    return null;
  }

  private static List<String> strings(String name, Object v) {
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException(name + " must be an array of names or \"*\"");
    }
    if (a.size() > IdSet.MAX_ELEMENTS) {
      throw new IllegalArgumentException(name + " names more than " + IdSet.MAX_ELEMENTS + " entries");
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw new IllegalArgumentException(name + " must contain strings only");
      }
      out.add(s);
    }
    return out;
  }
}
