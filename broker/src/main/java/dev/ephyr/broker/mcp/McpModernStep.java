package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;

/**
 * The methods only 2026-07-28 has ({@code server/discover}, {@code subscriptions/listen}) and the 2025
 * plumbing it dropped ({@code initialize}, {@code ping}, ...), answered as unknown methods with a hint.
 * Every other request, and every 2025 request, passes on to dispatch. This server never needs input from
 * the client mid-request, so it never answers {@code input_required}.
 */
final class McpModernStep implements Step {
  private static final Set<String> DROPPED = Set.of("initialize", "ping", "logging/setLevel", "resources/subscribe",
      "resources/unsubscribe");

  private final ToolCatalog tools;
  private final ListChanges changes;

  McpModernStep(ToolCatalog tools, ListChanges changes) {
    this.tools = tools;
    this.changes = changes;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    Revision revision = exchange.get(McpAttributes.REVISION);
    McpAttributes.Rpc rpc = exchange.get(McpAttributes.RPC);
    if (revision == null || !revision.stateless() || rpc == null || rpc.batch()
        || !(rpc.messages().get(0) instanceof JsonObject m) || !m.containsKey("id")
        || !(m.getValue("method") instanceof String method)) {
      return chain.proceed(exchange);
    }
    Object id = m.getValue("id");
    if ("server/discover".equals(method)) {
      return done(Reply.json(200, revision.shape(method, JsonRpc.result(id, discover())),
          Reply.Audit.allow(method)));
    }
    if ("subscriptions/listen".equals(method)) {
      return done(listen(exchange, id, m.getValue("params") instanceof JsonObject p ? p : new JsonObject()));
    }
    if (DROPPED.contains(method)) {
      String message = "method not found: " + method + " is not part of 2026-07-28, which needs no handshake or "
          + "session (send the version and client capabilities in each request's _meta; server/discover lists "
          + "the versions)";
      return done(Reply.json(404, JsonRpc.error(id, JsonRpc.METHOD_NOT_FOUND, message),
          Reply.Audit.deny("method_not_found", method)));
    }
    return chain.proceed(exchange);
  }

  private static JsonObject discover() {
    return new JsonObject()
        .put("supportedVersions", new io.vertx.core.json.JsonArray(Revision.SUPPORTED))
        .put("capabilities", new JsonObject()
            .put("tools", new JsonObject().put("listChanged", true))
            .put("resources", new JsonObject().put("listChanged", false).put("subscribe", false)))
        .put("instructions", McpEndpoint.INSTRUCTIONS);
  }

  /** Opens a {@code subscriptions/listen} stream for the notifications it opts in to that we send. */
  private Reply listen(Exchange exchange, Object id, JsonObject params) {
    String action = "subscriptions/listen";
    if (!(params.getValue("notifications") instanceof JsonObject filter)) {
      return invalidParams(id, "params.notifications (an object, e.g. {\"toolsListChanged\": true}) is required");
    }
    Object tools = filter.getValue("toolsListChanged");
    if (tools != null && !(tools instanceof Boolean)) {
      return invalidParams(id, "params.notifications.toolsListChanged must be a boolean");
    }
    String accept = exchange.header("Accept");
    if (accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
      return Reply.json(406, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, "subscriptions/listen answers with an event "
          + "stream: Accept must include text/event-stream"), Reply.Audit.deny("not_acceptable", accept));
    }
    RoutingContext routing = exchange.get(McpAttributes.ROUTING);
    Caller caller = exchange.get(Attributes.CALLER);
    boolean wantsTools = Boolean.TRUE.equals(tools);
    JsonObject granted = wantsTools ? new JsonObject().put("toolsListChanged", true) : new JsonObject();
    JsonObject ack = notification("notifications/subscriptions/acknowledged").put("params",
        new JsonObject().put("notifications", granted).put("_meta", subscription(id)));
    JsonObject farewell = JsonRpc.result(id, new JsonObject().put("resultType", "complete")
        .put("_meta", subscription(id).put(Revision.META_SERVER, Revision.serverInfo())));
    if (!wantsTools) {
      // Nothing it asked for is something we send: acknowledge the empty set and end at once.
      SseStream s = SseStream.open(routing.response(), exchange.requestId(), changes.limits().maxQueuedBytes());
      s.send(ack);
      s.end(farewell);
      return Reply.empty(200, Reply.Audit.allow(action));
    }
    JsonObject changed = notification("notifications/tools/list_changed")
        .put("params", new JsonObject().put("_meta", subscription(id)));
    ToolListStream stream = new ToolListStream(this.tools, caller, changed, farewell);
    ListChanges.Admission admission = changes.admit(caller.agent(), exchange.context(), stream);
    if (admission instanceof ListChanges.Refused refused) {
      return Reply.json(503, JsonRpc.error(id, JsonRpc.STREAM_LIMIT, refused.message()),
          Reply.Audit.deny("stream_limit", refused.message())).withHeader("Retry-After", "30");
    }
    stream.start(((ListChanges.Admitted) admission).ticket(), changes.limits(), routing.response(),
        exchange.requestId(), exchange.context(), ack);
    return Reply.empty(200, Reply.Audit.allow(action));
  }

  private static JsonObject notification(String method) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method);
  }

  private static JsonObject subscription(Object id) {
    return new JsonObject().put(Revision.META_SUBSCRIPTION, id);
  }

  private static Reply invalidParams(Object id, String message) {
    return Reply.json(200, JsonRpc.error(id, JsonRpc.INVALID_PARAMS, message),
        Reply.Audit.deny("invalid_params", message));
  }

  private static Future<Reply> done(Reply r) {
    return Future.succeededFuture(r);
  }
}
