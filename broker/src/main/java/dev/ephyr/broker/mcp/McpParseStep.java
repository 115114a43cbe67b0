package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.JsonBodies;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the transport headers (Content-Type, Accept, MCP-Protocol-Version) and parses the JSON-RPC body
 * with bounded depth and size; decides the token purpose ({@code task_bind} binds) and whether a
 * bind-pending token may pass (only for protocol plumbing).
 */
final class McpParseStep implements Step {
  static final int MAX_BATCH = 32;
  private static final Set<String> PLUMBING = Set.of("initialize", "ping", "tools/list", "resources/list",
      "resources/templates/list", "server/discover");

  private final JsonBodies json;

  McpParseStep(JsonBodies json) {
    this.json = json;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    String type = exchange.header("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      return done(Reply.json(415, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
          "Content-Type must be application/json"), Reply.Audit.deny("unsupported_media_type", type)));
    }
    String accept = exchange.header("Accept");
    if (accept != null && !acceptsJson(accept)) {
      return done(Reply.json(406, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
          "Accept must allow application/json"), Reply.Audit.deny("not_acceptable", accept)));
    }
    String version = exchange.header("MCP-Protocol-Version");
    JsonBodies.Parsed parsed = json.parse(exchange.body());
    if (parsed instanceof JsonBodies.Parsed.Invalid bad) {
      return done(Reply.json(400, JsonRpc.error(null, JsonRpc.PARSE_ERROR, "parse error: " + bad.problem()),
          Reply.Audit.deny("parse_error", bad.problem())));
    }
    Object value = ((JsonBodies.Parsed.Value) parsed).value();
    McpAttributes.Rpc rpc;
    if (value instanceof JsonObject o) {
      rpc = new McpAttributes.Rpc(List.of(o), false);
    } else if (value instanceof JsonArray a) {
      if (a.isEmpty() || a.size() > MAX_BATCH) {
        return done(Reply.json(400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "a batch holds 1 to " + MAX_BATCH
            + " messages"), Reply.Audit.deny("invalid_request", "batch size " + a.size())));
      }
      List<Object> items = new ArrayList<>();
      a.forEach(items::add);
      rpc = new McpAttributes.Rpc(items, true);
    } else {
      return done(Reply.json(400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
          "the body must be a JSON-RPC object or batch"), Reply.Audit.deny("invalid_request", "scalar body")));
    }
    Revision named = Revision.of(version);
    if (version != null && named == null) {
      Object first = rpc.messages().get(0);
      Object id = !rpc.batch() && first instanceof JsonObject o && JsonRpc.validId(o.getValue("id")) ? o.getValue("id")
          : null;
      return done(Reply.json(400, JsonRpc.unsupportedVersion(id, version),
          Reply.Audit.deny("unsupported_version", JsonRpc.clip(version)).action(action(rpc))));
    }
    String action = action(rpc);
    Exchange next = exchange.with(McpAttributes.RPC, rpc)
        .with(Attributes.PURPOSE, isBind(rpc) ? Purpose.BIND : Purpose.USE)
        .with(Attributes.BIND_PENDING, allPlumbing(rpc) ? Authenticator.BindPendingUse.ADMIT
            : Authenticator.BindPendingUse.REFUSE);
    if (ModernRequest.asksModern(named, rpc.messages().get(0))) {
      ModernRequest.Checked checked = ModernRequest.check(rpc, exchange::headers);
      if (checked instanceof ModernRequest.Refused r) {
        return done(Reply.json(r.status(), r.response(), Reply.Audit.deny(r.code(), r.detail()).action(action)));
      }
      String mcpName = ((ModernRequest.Valid) checked).name();
      if (mcpName != null) {
        // The verified Mcp-Name (equal to the body's name) is what audit records as the call's target.
        String method = ((JsonObject) rpc.messages().get(0)).getString("method");
        action = method + " " + (mcpName.length() > 64 ? mcpName.substring(0, 64) : mcpName);
      }
      next = next.with(McpAttributes.REVISION, Revision.V2026_07_28)
          .with(McpAttributes.VERSION, Revision.V2026_07_28.wire());
    } else if (version != null) {
      next = next.with(McpAttributes.VERSION, version).with(McpAttributes.REVISION, named);
    }
    String audited = action;
    // Refusals further down (authentication, session) know no action; name it for audit here.
    return chain.proceed(next).map(reply -> reply.withAudit(reply.audit().action(audited)));
  }

  private static String action(McpAttributes.Rpc rpc) {
    if (rpc.batch()) {
      return "batch(" + rpc.messages().size() + ")";
    }
    if (!(rpc.messages().get(0) instanceof JsonObject o) || !(o.getValue("method") instanceof String m)) {
      return "invalid";
    }
    String method = m.length() > 64 ? m.substring(0, 64) : m;
    if ("tools/call".equals(method) && o.getValue("params") instanceof JsonObject p
        && p.getValue("name") instanceof String name) {
      return method + " " + (name.length() > 64 ? name.substring(0, 64) : name);
    }
    if ("resources/read".equals(method) && o.getValue("params") instanceof JsonObject p
        && p.getValue("uri") instanceof String uri) {
      return method + " " + (uri.length() > 64 ? uri.substring(0, 64) : uri);
    }
    return method;
  }

  private static boolean acceptsJson(String accept) {
    String a = accept.toLowerCase(Locale.ROOT);
    return a.contains("application/json") || a.contains("*/*") || a.contains("application/*");
  }

  private static boolean isBind(McpAttributes.Rpc rpc) {
    if (rpc.batch() || !(rpc.messages().get(0) instanceof JsonObject o)) {
      return false;
    }
    if (!"tools/call".equals(o.getValue("method")) || !(o.getValue("params") instanceof JsonObject p)) {
      return false;
    }
    return p.getValue("name") instanceof String name && TaskTool.BIND.is(name);
  }

  private static boolean allPlumbing(McpAttributes.Rpc rpc) {
    for (Object m : rpc.messages()) {
      if (!(m instanceof JsonObject o) || !(o.getValue("method") instanceof String method)) {
        return false;
      }
      if (!PLUMBING.contains(method) && !method.startsWith("notifications/")) {
        return false;
      }
    }
    return true;
  }

  private static Future<Reply> done(Reply r) {
    return Future.succeededFuture(r);
  }
}
