package dev.ephyr.broker.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Builders for tool descriptors and the small JSON Schemas of their arguments. */
public final class ToolSchemas {
  private ToolSchemas() {}

  /**
   * A tool descriptor whose arguments are {@code properties}, with {@code required} ones and nothing else; a
   * built-in tool carries its {@link ToolAnnotations} (and their title).
   */
  public static JsonObject tool(String name, String description, JsonObject properties, List<String> required) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties)
        .put("additionalProperties", false);
    if (!required.isEmpty()) {
      schema.put("required", new JsonArray(List.copyOf(required)));
    }
    JsonObject d = new JsonObject().put("name", name);
    ToolAnnotations a = ToolAnnotations.of(name);
    if (a != null) {
      d.put("title", a.title());
    }
    d.put("description", description).put("inputSchema", schema);
    if (a != null) {
      d.put("annotations", a.toJson());
    }
    return d;
  }

  /** {@code {"type": type, "description": description}}. */
  public static JsonObject typed(String type, String description) {
    return new JsonObject().put("type", type).put("description", description);
  }

  /** A string argument. */
  public static JsonObject str(String description) {
    return typed("string", description);
  }

  /** A boolean argument. */
  public static JsonObject bool(String description) {
    return typed("boolean", description);
  }

  /** An integer argument within {@code [min, max]}. */
  public static JsonObject integer(String description, long min, long max) {
    return typed("integer", description).put("minimum", min).put("maximum", max);
  }

  /** A list of names (at most 64), or {@code "*"}. */
  public static JsonObject names(String description) {
    return new JsonObject().put("description", description + ": a list of names, or \"*\"")
        .put("anyOf", new JsonArray().add(new JsonObject().put("type", "array").put("maxItems", 64)
                .put("items", new JsonObject().put("type", "string")))
            .add(new JsonObject().put("type", "string").put("const", "*")));
  }
}
