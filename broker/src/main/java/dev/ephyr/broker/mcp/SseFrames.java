package dev.ephyr.broker.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The parts every server-sent-events answer of {@code /mcp} shares: its head and its message framing. */
final class SseFrames {
  /** A comment: keeps intermediaries and idle timers from closing a quiet stream. */
  static final Buffer KEEP_ALIVE = Buffer.buffer(":\n\n");

  private SseFrames() {}

  /**
   * Sets status 200, {@code text/event-stream}, no caching, no proxy buffering (a buffering reverse proxy would
   * hold heartbeats back) and a write queue of at most {@code maxQueuedBytes}; sends nothing yet.
   */
  static void head(HttpServerResponse response, String requestId, int maxQueuedBytes) {
    response.setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no")
        .putHeader("X-Request-Id", requestId)
        .setChunked(true)
        .setWriteQueueMaxSize(maxQueuedBytes);
  }

  /** One JSON-RPC message as a {@code message} event. */
  static Buffer message(JsonObject message) {
    return Buffer.buffer("event: message\ndata: ").appendBuffer(message.toBuffer()).appendString("\n\n");
  }
}
