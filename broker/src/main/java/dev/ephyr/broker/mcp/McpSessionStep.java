package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import io.vertx.core.Future;

/**
 * Checks an {@code Mcp-Session-Id}, if sent: it must be authentic, within its maximum age, used within the
 * idle bound, not ended, and belong to the authenticated agent, else 404 (the specified answer on which
 * clients start a new session). Each request counts as use. Requests without one are served statelessly.
 * The session's protocol version applies when the request does not name one. Stateless 2026-07-28 requests
 * skip this step.
 */
final class McpSessionStep implements Step {
  private final McpSessions sessions;

  McpSessionStep(McpSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    McpAttributes.Rpc rpc = exchange.get(McpAttributes.RPC);
    String id = exchange.header("Mcp-Session-Id");
    Revision revision = exchange.get(McpAttributes.REVISION);
    if (revision != null && revision.stateless()) {
      return chain.proceed(exchange); // 2026-07-28 has no sessions: a stray Mcp-Session-Id is ignored
    }
    if (id == null || (rpc != null && rpc.isSingleInitialize())) {
      return chain.proceed(exchange);
    }
    Caller caller = exchange.get(Attributes.CALLER);
    McpSessions.Session s = sessions.check(id);
    if (s == null || caller == null || !s.agent().equals(caller.agent())) {
      return Future.succeededFuture(notFound(s == null ? "unknown, forged or expired session id"
          : "session belongs to agent " + s.agent()));
    }
    return sessions.use(s, exchange.context()).compose(state -> {
      if (state == McpSessions.State.ENDED) {
        return Future.succeededFuture(notFound("session was ended"));
      }
      if (state == McpSessions.State.IDLE_EXPIRED) {
        return Future.succeededFuture(notFound("session unused for longer than " + sessions.idle()));
      }
      Exchange next = exchange.with(McpAttributes.SESSION, s);
      if (exchange.get(McpAttributes.VERSION) == null) {
        next = next.with(McpAttributes.VERSION, s.version());
        Revision r = Revision.of(s.version());
        if (r != null) {
          next = next.with(McpAttributes.REVISION, r);
        }
      }
      return chain.proceed(next);
    });
  }

  private static Reply notFound(String detail) {
    return Reply.json(404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "session not found: initialize a new session"),
        Reply.Audit.deny("session_not_found", detail));
  }
}
