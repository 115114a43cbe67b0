package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * The 2025 revisions' GET stream, offered to a session only: it carries
 * {@code notifications/tools/list_changed} when the caller's tool list may have changed. Without a session
 * (or asking for 2026-07-28, whose {@code subscriptions/listen} replaces it) GET stays 405.
 */
final class McpGetStream {
  private McpGetStream() {}

  /** Before authentication: only a session's request for an event stream goes on. */
  record Gate() implements Step {
    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      Revision asked = Revision.of(exchange.header("MCP-Protocol-Version"));
      if (exchange.header("Mcp-Session-Id") == null || (asked != null && asked.stateless())) {
        return Future.succeededFuture(Reply.error(405, "method_not_allowed", "GET offers a stream to a 2025 session "
            + "only (send Mcp-Session-Id); in 2026-07-28 use POST subscriptions/listen", null)
            .withHeader("Allow", "POST, DELETE"));
      }
      String accept = exchange.header("Accept");
      if (accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
        return Future.succeededFuture(Reply.error(406, "not_acceptable", "GET answers with an event stream: Accept "
            + "must include text/event-stream", accept));
      }
      return chain.proceed(exchange.with(Attributes.PURPOSE, Purpose.USE)
          .with(Attributes.BIND_PENDING, Authenticator.BindPendingUse.REFUSE));
    }
  }

  /** After the session check: opens the stream, within the node's bounds. */
  record Open(ToolCatalog tools, ListChanges changes) implements Step {
    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      Caller caller = exchange.get(Attributes.CALLER);
      if (exchange.get(McpAttributes.SESSION) == null) {
        return Future.succeededFuture(Reply.error(405, "method_not_allowed", "GET offers a stream to a session only",
            null).withHeader("Allow", "POST, DELETE"));
      }
      JsonObject changed = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/tools/list_changed");
      ToolListStream stream = new ToolListStream(tools, caller, changed, null);
      ListChanges.Admission admission = changes.admit(caller.agent(), exchange.context(), stream);
      if (admission instanceof ListChanges.Refused refused) {
        return Future.succeededFuture(Reply.json(503, JsonRpc.error(null, JsonRpc.STREAM_LIMIT, refused.message()),
            Reply.Audit.deny("stream_limit", refused.message())).withHeader("Retry-After", "30"));
      }
      stream.start(((ListChanges.Admitted) admission).ticket(), changes.limits(),
          exchange.get(McpAttributes.ROUTING).response(), exchange.requestId(), exchange.context(), null);
      return Future.succeededFuture(Reply.empty(200, Reply.Audit.allow("GET stream")));
    }
  }
}
