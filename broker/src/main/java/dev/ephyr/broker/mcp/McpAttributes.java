package dev.ephyr.broker.mcp;

import dev.ephyr.broker.http.Exchange;

/** Exchange attributes private to the MCP pipeline. */
final class McpAttributes {
  static final Exchange.Key<Rpc> RPC = Exchange.Key.of("rpc", Rpc.class);
  static final Exchange.Key<String> VERSION = Exchange.Key.of("protocolVersion", String.class);
  static final Exchange.Key<McpSessions.Session> SESSION = Exchange.Key.of("session", McpSessions.Session.class);
  /** The revision this request is served under (absent: decided by its session, else the oldest). */
  static final Exchange.Key<Revision> REVISION = Exchange.Key.of("revision", Revision.class);
  /** The HTTP exchange itself, for the answers that are streams (listen, the GET stream, a streamed tools/call). */
  static final Exchange.Key<io.vertx.ext.web.RoutingContext> ROUTING =
      Exchange.Key.of("mcpRouting", io.vertx.ext.web.RoutingContext.class);

  /** The HTTP request {@link #ROUTING} carries, or null when a pipeline runs without a server. */
  static io.vertx.core.http.HttpServerRequest request(Exchange exchange) {
    io.vertx.ext.web.RoutingContext routing = exchange.get(ROUTING);
    return routing == null ? null : routing.request();
  }

  /**
   * The parsed body.
   *
   * @param messages the messages (one unless a batch)
   * @param batch whether the body was a JSON array
   */
  record Rpc(java.util.List<Object> messages, boolean batch) {
    boolean isSingleInitialize() {
      return !batch && messages.get(0) instanceof io.vertx.core.json.JsonObject o
          && "initialize".equals(o.getValue("method"));
    }
  }

  private McpAttributes() {}
}
