package dev.ephyr.broker.mcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One POST answered as a server-sent event stream (Streamable HTTP): JSON-RPC messages as {@code message}
 * events, on the request's event loop. Bounded: the response's write queue holds at most
 * {@link #WRITE_QUEUE_BYTES} (heartbeats due meanwhile are dropped); a client that lets it stay full for
 * {@code drainWait} (it does not read) has its connection closed, and so has one that has not taken the last
 * message {@code drainWait} after it was sent. Either way, and when the client goes away,
 * {@code onBroken} is told once why (until the last message was sent).
 */
final class CallStream {
  /** Bytes queued for a slow client before it counts as not reading. */
  static final int WRITE_QUEUE_BYTES = 64 * 1024;

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Vertx vertx;
  private final Duration drainWait;
  private final Consumer<String> onBroken;
  private boolean over;
  private long drainTimer = -1;

  CallStream(HttpServerRequest request, Vertx vertx, Duration drainWait, Consumer<String> onBroken) {
    this.request = request;
    this.response = request.response();
    this.vertx = vertx;
    this.drainWait = drainWait;
    this.onBroken = onBroken;
  }

  /** Sends the status and headers now, so the client knows the answer streams. */
  void open(String requestId) {
    SseFrames.head(response, requestId, WRITE_QUEUE_BYTES);
    response.closeHandler(v -> broken("client_disconnected"));
    response.exceptionHandler(e -> broken("client_disconnected"));
    response.writeHead();
  }

  /** Whether the stream still carries messages. */
  boolean open() {
    return !over;
  }

  /**
   * Sends one message that may be skipped (a heartbeat): while the client has not taken what is queued, it is
   * dropped, and the client has {@code drainWait} to catch up before its connection is closed. False once the
   * stream is over.
   */
  boolean send(JsonObject message) {
    if (over) {
      return false;
    }
    if (!response.writeQueueFull()) {
      write(message);
    }
    return true;
  }

  private void write(JsonObject message) {
    response.write(SseFrames.message(message));
    watchDrain();
  }

  /**
   * Sends the last message and ends the response (the connection stays for the next request); if the client
   * has not taken it all {@code drainWait} later, the connection is closed.
   */
  void finish(JsonObject last) {
    if (over) {
      return;
    }
    write(last); // never dropped: one message, as large as the tool's own output bound allows
    over = true;
    cancelDrainTimer();
    Future<Void> flushed = response.end(); // completes once the bytes are with the operating system
    long timer = vertx.setTimer(drainWait.toMillis(), id -> {
      if (!flushed.isComplete()) {
        request.connection().close();
      }
    });
    flushed.onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** Ends the stream without a last message: the connection is closed. */
  void abort(String why) {
    if (over) {
      return;
    }
    over = true;
    cancelDrainTimer();
    request.connection().close();
    onBroken.accept(why);
  }

  private void broken(String why) {
    if (!over) {
      over = true;
      cancelDrainTimer();
      onBroken.accept(why);
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
      if (!over && response.writeQueueFull()) {
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
