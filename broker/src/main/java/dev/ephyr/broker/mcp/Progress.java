package dev.ephyr.broker.mcp;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The heartbeat of a streamed call: {@code notifications/progress} for the client's {@code progressToken}
 * when the call starts and then every interval, so a client that resets its request timeout on progress
 * keeps waiting, and intermediaries see a live connection. The progress value counts heartbeats (it only
 * grows, as the specification asks); there is no total, since how long a command runs is unknown.
 */
final class Progress {
  private final Object token;
  private final CallStream stream;
  private final Vertx vertx;
  private final Duration interval;
  private final String what;
  private final long startNanos = System.nanoTime();
  private long timer = -1;
  private int beats;

  Progress(Object token, CallStream stream, Vertx vertx, Duration interval, String what) {
    this.token = token;
    this.stream = stream;
    this.vertx = vertx;
    this.interval = interval;
    this.what = what;
  }

  /** Sends the first notification now and the next ones every interval (on the caller's event loop). */
  void start() {
    beat("started");
    timer = vertx.setPeriodic(interval.toMillis(), id -> {
      long seconds = Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
      beat("running for " + seconds + " s");
    });
  }

  /** Stops the heartbeat. */
  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void beat(String state) {
    JsonObject params = new JsonObject().put("progressToken", token).put("progress", beats++)
        .put("message", what + ": " + state);
    if (!stream.send(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
        .put("params", params))) {
      stop();
    }
  }
}
