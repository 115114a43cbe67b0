package dev.ephyr.broker.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Parses request bodies with hard limits: nesting depth, string and number lengths, duplicate keys refused,
 * trailing data refused. The result is a Vert.x {@link JsonObject} or {@link JsonArray}.
 */
public final class JsonBodies {
  /** Deepest nesting accepted in a request body. */
  public static final int MAX_DEPTH = 32;

  private final ObjectMapper mapper;

  /** A parser whose strings are bounded by {@code maxStringChars}. */
  public JsonBodies(int maxStringChars) {
    JsonFactory f = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
            .maxStringLength(maxStringChars).maxNumberLength(64).maxNameLength(256).build())
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.mapper = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    this.mapper.getFactory().disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
  }

  /** The outcome of parsing. */
  public sealed interface Parsed {
    /** A JSON value: a {@link JsonObject}, {@link JsonArray} or scalar. */
    record Value(Object value) implements Parsed {}

    /** Not acceptable JSON; {@code problem} is safe to show to the client. */
    record Invalid(String problem) implements Parsed {}
  }

  /** Parses {@code body}. */
  public Parsed parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return new Parsed.Invalid("empty body");
    }
    try {
      Object v = mapper.readValue(body.getBytes(), Object.class);
      return new Parsed.Value(wrap(v));
    } catch (IOException e) {
      return new Parsed.Invalid(problem(e));
    }
  }

  @SuppressWarnings("unchecked")
  static Object wrap(Object v) {
    if (v instanceof Map<?, ?> m) {
      return new JsonObject((Map<String, Object>) m);
    }
    if (v instanceof List<?> l) {
      return new JsonArray((List<Object>) l);
    }
    return v;
  }

  private static String problem(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (m.contains("nesting depth")) {
      return "JSON nested deeper than " + MAX_DEPTH + " levels";
    }
    if (m.contains("Duplicate field")) {
      return "duplicate member name";
    }
    if (m.contains("String value length") || m.contains("Number value length") || m.contains("Name length")) {
      return "a JSON value exceeds its length limit";
    }
    if (m.contains("Trailing token")) {
      return "trailing data after the JSON value";
    }
    return "not valid JSON";
  }
}
