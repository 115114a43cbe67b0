package dev.ephyr.broker;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One MCP POST read as it arrives, the way a Streamable HTTP client reads an SSE answer: every JSON-RPC
 * message of the stream is queued with the moment it was received.
 */
final class SseCall implements AutoCloseable {
  /** A message and when it arrived ({@link System#nanoTime()}). */
  record Received(JsonObject message, long nanos) {}

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final HttpResponse<InputStream> response;
  private final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
  private volatile boolean ended;

  private SseCall(HttpResponse<InputStream> response) {
    this.response = response;
    Thread t = new Thread(this::read, "sse-reader");
    t.setDaemon(true);
    t.start();
  }

  /** Posts {@code message} with {@code token} and starts reading the answer. */
  static SseCall post(String url, String token, JsonObject message) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("Authorization", "Bearer " + token)
        .header("MCP-Protocol-Version", "2025-11-25")
        .POST(HttpRequest.BodyPublishers.ofString(message.encode())).build();
    return new SseCall(CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      StringBuilder data = new StringBuilder();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        } else if (line.isEmpty() && data.length() > 0) {
          queue.add(new Received(new JsonObject(data.toString()), System.nanoTime()));
          data.setLength(0);
        }
      }
    } catch (Exception e) {
      // the stream broke; ended says so
    } finally {
      ended = true;
    }
  }

  /** The next message, or null if none arrives within {@code wait}. */
  Received next(Duration wait) throws InterruptedException {
    return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the stream has ended. */
  boolean ended() {
    return ended;
  }

  @Override
  public void close() throws Exception {
    response.body().close();
  }
}
