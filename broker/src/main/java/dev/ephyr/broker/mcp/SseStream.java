package dev.ephyr.broker.mcp;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One POST answered as a server-sent event stream (Streamable HTTP): JSON-RPC messages as {@code message}
 * events, on the request's event loop. Bounded: the response's write queue holds at most
 * {@link #WRITE_QUEUE_BYTES}; a client that lets it stay full for {@code drainWait} (it does not read) has its
 * connection closed, and so has one whose queue is full when the next message is due. Either way, and when
 * the client goes away, {@code onBroken} is told once why.
 */
final class SseStream {
  /** Bytes queued for a slow client before it counts as not reading. */
  static final int WRITE_QUEUE_BYTES = 64 * 1024;

  private final HttpServerResponse response;
  private final Vertx vertx;
  private final Duration drainWait;
  private final Consumer<String> onBroken;
  private boolean over;
  private long drainTimer = -1;

  SseStream(HttpServerResponse response, Vertx vertx, Duration drainWait, Consumer<String> onBroken) {
    this.response = response;
    this.vertx = vertx;
    this.drainWait = drainWait;
    this.onBroken = onBroken;
  }

  /** Sends the status and headers now, so the client knows the answer streams. */
  void open(String requestId) {
    response.setStatusCode(200).setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no") // a buffering reverse proxy would hold the heartbeats back
        .putHeader("X-Request-Id", requestId)
        .setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    response.closeHandler(v -> broken("client_disconnected"));
    response.exceptionHandler(e -> broken("client_disconnected"));
    response.writeHead();
  }

  /** Whether the stream still carries messages. */
  boolean open() {
    return !over;
  }

  /** Sends one message; false (and the stream closed) when the client is gone or not reading. */
  boolean send(JsonObject message) {
    if (over) {
      return false;
    }
    if (response.writeQueueFull()) {
      abort("client_not_reading");
      return false;
    }
    response.write("event: message\ndata: " + message.encode() + "\n\n");
    watchDrain();
    return true;
  }

  /** Sends the last message and ends the response (the connection stays for the next request). */
  void finish(JsonObject last) {
    if (send(last)) {
      over = true;
      response.end();
    }
  }

  /** Ends the stream without a last message: the connection is closed. */
  void abort(String why) {
    if (over) {
      return;
    }
    over = true;
    cancelDrainTimer();
    response.reset();
    onBroken.accept(why);
  }

  private void broken(String why) {
    if (!over) {
      over = true;
      cancelDrainTimer();
      onBroken.accept(why);
    } else if (drainTimer >= 0) {
      cancelDrainTimer(); // the last message was queued and the client left: nothing more to wait for
    }
  }

  /** A full queue must drain within {@code drainWait}, or the client is not reading. */
  private void watchDrain() {
    if (!response.writeQueueFull() || drainTimer >= 0) {
      return;
    }
    response.drainHandler(v -> cancelDrainTimer());
    drainTimer = vertx.setTimer(drainWait.toMillis(), id -> {
      drainTimer = -1;
      if (!response.writeQueueFull()) {
        return;
      }
      if (over) {
        response.reset(); // the answer was queued but never read: let the connection go
      } else {
        abort("client_not_reading");
      }
    });
  }

  private void cancelDrainTimer() {
    if (drainTimer >= 0) {
      vertx.cancelTimer(drainTimer);
      drainTimer = -1;
    }
  }
}
