package dev.ephyr.broker.federation;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Applies a string rewrite to every string (values and keys) of a JSON tree, returning a new tree. */
final class Redaction {
  private Redaction() {}

  static Object walk(Object value, UnaryOperator<String> f) {
    if (value instanceof String s) {
      return f.apply(s);
    }
    if (value instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Object> e : o) {
        out.put(f.apply(e.getKey()), walk(e.getValue(), f));
      }
      return out;
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (Object o : a) {
        out.add(walk(o, f));
      }
      return out;
    }
    return value;
  }
}
