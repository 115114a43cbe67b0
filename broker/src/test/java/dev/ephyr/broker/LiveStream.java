package dev.ephyr.broker;

import dev.ephyr.testing.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A server-sent-events subscriber for tests: collects the lines of {@code GET /admin/audit/live} until it ends. */
final class LiveStream implements AutoCloseable {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();

  final List<String> lines = new CopyOnWriteArrayList<>();
  /** Completes when the server ends the stream. */
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final CompletableFuture<HttpResponse<Stream<String>>> response;

  private LiveStream(String url, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    headers.forEach(b::header);
    response = CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
  }

  /** Opens the stream and waits until the server has answered 200 and said it is connected. */
  static LiveStream open(String url, Map<String, String> headers) throws Exception {
    LiveStream s = new LiveStream(url, headers);
    HttpResponse<Stream<String>> r = s.response.get(30, TimeUnit.SECONDS);
    if (r.statusCode() != 200) {
      throw new AssertionError("live stream answered " + r.statusCode() + ": " + String.join("\n", r.body().toList()));
    }
    Thread reader = new Thread(() -> {
      try (Stream<String> body = r.body()) {
        body.forEach(s.lines::add);
        s.ended.complete(null);
      } catch (RuntimeException e) {
        s.ended.complete(null); // the connection went away: the stream is over either way
      }
    }, "live-stream-reader");
    reader.setDaemon(true);
    reader.start();
    Eventually.await(Duration.ofSeconds(30), "the stream to say it is connected",
        () -> s.lines.contains(": connected"));
    return s;
  }

  /** Waits (at most {@code timeout}) for the server to end the stream. */
  void awaitEnd(Duration timeout, String why) {
    try {
      ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the live stream still runs after " + timeout + ": " + why);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  String text() {
    return String.join("\n", lines);
  }

  @Override
  public void close() {
    response.thenAccept(r -> r.body().close());
  }
}
