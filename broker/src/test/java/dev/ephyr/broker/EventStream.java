package dev.ephyr.broker;

import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** An MCP event stream for tests (a POST subscriptions/listen or a session's GET): collects its JSON messages. */
final class EventStream implements AutoCloseable {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();

  final List<JsonObject> messages = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  final int status;
  final String contentType;
  private final HttpResponse<Stream<String>> response;

  private EventStream(HttpResponse<Stream<String>> response) {
    this.response = response;
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
  }

  /** Opens it with {@code method} (POST with {@code body}, or GET) and starts reading. */
  static EventStream open(String method, String url, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    HttpResponse<Stream<String>> r = CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines())
        .get(30, TimeUnit.SECONDS);
    EventStream s = new EventStream(r);
    Thread reader = new Thread(() -> {
      try (Stream<String> lines = r.body()) {
        lines.forEach(line -> {
          if (line.startsWith("data: ")) {
            s.messages.add(new JsonObject(line.substring(6)));
          } else if (!s.contentType.startsWith("text/event-stream") && line.startsWith("{")) {
            s.messages.add(new JsonObject(line)); // a JSON answer instead of a stream
          }
        });
      } catch (RuntimeException e) {
        // the connection went away: the stream is over either way
      }
      s.ended.complete(null);
    }, "event-stream-reader");
    reader.setDaemon(true);
    reader.start();
    return s;
  }

  /** Waits for a message with {@code method} and returns it. */
  JsonObject await(String method, Duration timeout) {
    Eventually.await(timeout, "a " + method + " message; got " + messages, () -> find(method) != null);
    return find(method);
  }

  JsonObject find(String method) {
    for (JsonObject m : messages) {
      if (method.equals(m.getString("method"))) {
        return m;
      }
    }
    return null;
  }

  List<JsonObject> all(String method) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject m : messages) {
      if (method.equals(m.getString("method"))) {
        out.add(m);
      }
    }
    return out;
  }

  boolean isEnded() {
    return ended.isDone();
  }

  @Override
  public void close() {
    response.body().close();
  }
}
