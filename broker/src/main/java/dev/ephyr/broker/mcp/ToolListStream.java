package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * One open stream that tells a client when its caller's tool list may have changed: after a policy reload
 * always (a reload can change what a token's envelope meets without changing the names we can see), after a
 * federation change only when the names the caller sees differ. Keeps itself alive with comment lines and
 * ends itself after the hub's maximum life. Runs on its request's event loop.
 */
final class ToolListStream implements ListChanges.Watcher {
  private final ToolCatalog tools;
  private final Caller caller;
  private final JsonObject notification;
  private final JsonObject farewell;
  private SseStream sse;
  private long seen;
  private long keepAliveTimer = -1;
  private long lifeTimer = -1;

  /**
   * @param notification what is sent on a change
   * @param farewell what is sent when the server ends the stream after its maximum life (null: just end)
   */
  ToolListStream(ToolCatalog tools, Caller caller, JsonObject notification, JsonObject farewell) {
    this.tools = tools;
    this.caller = caller;
    this.notification = notification;
    this.farewell = farewell;
  }

  /** Opens the stream on {@code response} (admitted under {@code ticket}), sending {@code first} if not null. */
  void start(ListChanges.Ticket ticket, ListChanges.Limits limits, HttpServerResponse response, String requestId,
      Context context, JsonObject first) {
    seen = fingerprint();
    sse = SseStream.open(response, requestId, limits.maxQueuedBytes());
    var vertx = context.owner();
    sse.onClose(() -> {
      ticket.release();
      vertx.cancelTimer(keepAliveTimer);
      vertx.cancelTimer(lifeTimer);
    });
    if (first != null) {
      sse.send(first);
    }
    keepAliveTimer = vertx.setPeriodic(limits.keepAlive().toMillis(), id -> sse.keepAlive());
    lifeTimer = vertx.setTimer(limits.maxLife().toMillis(), id -> sse.end(farewell));
  }

  @Override
  public void recheck(ListChanges.Cause cause) {
    if (sse == null || !sse.isOpen()) {
      return;
    }
    long now = fingerprint();
    if (cause == ListChanges.Cause.POLICY || now != seen) {
      seen = now;
      sse.send(notification);
    }
  }

  /**
   * A cheap fingerprint of what the caller sees now (names, descriptions, schemas): no secret is involved and
   * a collision only costs one missed "may have changed" hint, so a 64-bit FNV-1a hash is enough.
   */
  private long fingerprint() {
    String s = tools.visible(caller).encode();
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }
}
