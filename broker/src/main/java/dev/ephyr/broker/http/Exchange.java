package dev.ephyr.broker.http;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One request as it moves down a pipeline: immutable; steps add typed attributes with {@link #with}.
 * {@link #toString()} never shows headers or the body (they carry credentials).
 */
public final class Exchange {
  private final String requestId;
  private final String method;
  private final String path;
  private final MultiMap headers;
  private final Buffer body;
  private final Context context;
  private final long startNanos;
  private final String remote;
  private final Map<Key<?>, Object> attributes;

  private Exchange(String requestId, String method, String path, MultiMap headers, Buffer body, Context context,
      long startNanos, String remote, Map<Key<?>, Object> attributes) {
    this.requestId = requestId;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.body = body;
    this.context = context;
    this.startNanos = startNanos;
    this.remote = remote;
    this.attributes = attributes;
  }

  /** A new exchange without attributes. */
  public static Exchange of(String requestId, String method, String path, MultiMap headers, Buffer body,
      Context context, String remote) {
    return new Exchange(requestId, method, path, headers, body, context, System.nanoTime(), remote, Map.of());
  }

  /** A typed attribute key; identity-compared. */
  public static final class Key<T> {
    private final String name;
    private final Class<T> type;

    private Key(String name, Class<T> type) {
      this.name = name;
      this.type = type;
    }

    /** A new key. */
    public static <T> Key<T> of(String name, Class<T> type) {
      return new Key<>(name, type);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** This exchange with {@code key} set to {@code value}. */
  public <T> Exchange with(Key<T> key, T value) {
    Map<Key<?>, Object> next = new HashMap<>(attributes);
    next.put(key, Objects.requireNonNull(value));
    return new Exchange(requestId, method, path, headers, body, context, startNanos, remote, Map.copyOf(next));
  }

  /** The attribute, or {@code null}. */
  public <T> T get(Key<T> key) {
    return key.type.cast(attributes.get(key));
  }

  /** Request id (for audit correlation; also returned to the client). */
  public String requestId() {
    return requestId;
  }

  /** HTTP method. */
  public String method() {
    return method;
  }

  /** Request path. */
  public String path() {
    return path;
  }

  /** One request header, or {@code null}. */
  public String header(String name) {
    return headers.get(name);
  }

  /** All values of a header. */
  public java.util.List<String> headers(String name) {
    return headers.getAll(name);
  }

  /** The body ({@code null} when none). */
  public Buffer body() {
    return body;
  }

  /** The Vert.x context the request runs on. */
  public Context context() {
    return context;
  }

  /** When handling started ({@link System#nanoTime()}). */
  public long startNanos() {
    return startNanos;
  }

  /** Remote address (for audit). */
  public String remote() {
    return remote;
  }

  @Override
  public String toString() {
    return "Exchange[" + requestId + " " + method + " " + path + ", body=" + (body == null ? 0 : body.length())
        + " bytes, headers=redacted]";
  }
}
