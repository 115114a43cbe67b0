package dev.ephyr.broker.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * One open server-sent-events response. Writes never wait: the response's write queue is bounded, and a
 * client that stops reading (the queue is full when something must be sent) has its stream closed rather
 * than buffered without end. Used on the response's own event loop only.
 */
final class SseStream {
  private final HttpServerResponse response;
  private Runnable onClose = () -> { };
  private boolean closed;

  private SseStream(HttpServerResponse response) {
    this.response = response;
  }

  /**
   * Starts the stream: status 200, {@code text/event-stream}, no caching or proxy buffering, a write queue
   * of at most {@code maxQueuedBytes}.
   */
  static SseStream open(HttpServerResponse response, String requestId, int maxQueuedBytes) {
    SseStream s = new SseStream(response);
    SseFrames.head(response, requestId, maxQueuedBytes);
    response.closeHandler(v -> s.closed());
    response.exceptionHandler(e -> s.close());
    response.write(SseFrames.KEEP_ALIVE); // sends the head now, so the client knows the stream is open
    return s;
  }

  /** Runs {@code r} once when the stream ends, however it ends. */
  void onClose(Runnable r) {
    this.onClose = r;
  }

  boolean isOpen() {
    return !closed;
  }

  /**
   * Sends one JSON-RPC message; false when the stream is closed, or when the client has not read what was
   * sent before (then the stream is closed now).
   */
  boolean send(JsonObject message) {
    return write(SseFrames.message(message));
  }

  /** A comment line that keeps intermediaries and idle timers from closing a quiet stream. */
  boolean keepAlive() {
    return write(SseFrames.KEEP_ALIVE);
  }

  /** Sends {@code last} (if not null) and ends the stream normally. */
  void end(JsonObject last) {
    if (closed) {
      return;
    }
    if (last != null) {
      send(last);
    }
    if (!closed) {
      response.end();
      closed();
    }
  }

  /** Cuts the stream (the client did not read, or the node stops). */
  void close() {
    if (closed) {
      return;
    }
    closed();
    response.reset();
  }

  private boolean write(Buffer b) {
    if (closed) {
      return false;
    }
    if (response.writeQueueFull()) {
      close(); // a reader this far behind is gone or hostile: holding more for it only costs memory
      return false;
    }
    response.write(b);
    return true;
  }

  /** Marks the stream ended and runs the close action once. */
  private void closed() {
    closed = true;
    Runnable r = onClose;
    onClose = () -> { };
    r.run();
  }
}
