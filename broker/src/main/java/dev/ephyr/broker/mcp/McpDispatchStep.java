package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.ResourceReader;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.Reason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers JSON-RPC messages: {@code initialize} (version negotiation, session id), {@code ping},
 * {@code tools/list} and {@code tools/call} (filtered by envelope and policy; run through {@link ToolCalls},
 * which bounds, streams and cancels them), resources, notifications (202; {@code notifications/cancelled}
 * cancels the caller's own call), and batches where the negotiated version allows them.
 */
final class McpDispatchStep implements Step {
  private final ToolCatalog tools;
  private final McpResources resources;
  private final McpSessions sessions;
  private final ToolCalls calls;

  McpDispatchStep(ToolCatalog tools, McpResources resources, McpSessions sessions, ToolCalls calls) {
    this.tools = tools;
    this.resources = resources;
    this.sessions = sessions;
    this.calls = calls;
  }

  /** One message's answer: the response (or null for notifications) and what audit should know. */
  private record Answer(JsonObject response, Reply.Audit audit, String sessionId) {}

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    McpAttributes.Rpc rpc = exchange.get(McpAttributes.RPC);
    Caller caller = exchange.get(Attributes.CALLER);
    String asked = exchange.get(McpAttributes.VERSION);
    String version = asked == null ? McpEndpoint.DEFAULT_VERSION : asked;
    if (!rpc.batch()) {
      Object m = rpc.messages().get(0);
      Revision revision = Revision.of(version);
      Object token = calls.streamToken(m, exchange);
      if (token != null) {
        // Long work, and a client that takes progress: the answer streams (see ToolCalls), shaped by its revision.
        JsonObject call = (JsonObject) m;
        String what = "tools/call " + clip(String.valueOf(call.getJsonObject("params").getValue("name")));
        return calls.stream(exchange, caller, call.getValue("id"), token, what, control ->
            answer(m, caller, version, exchange, false, control)
                .map(a -> new ToolCalls.Result(revision.shape("tools/call", a.response()), a.audit())));
      }
      return answer(m, caller, version, exchange, false, null).map(a -> single(m, a, revision));
    }
    if (!McpEndpoint.BATCH_VERSIONS.contains(version)) {
      return Future.succeededFuture(Reply.json(400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
          "JSON-RPC batches are not supported in protocol version " + version),
          Reply.Audit.deny("batch_not_supported", version)));
    }
    List<Future<Answer>> all = new ArrayList<>();
    for (Object m : rpc.messages()) {
      all.add(answer(m, caller, version, exchange, true, null));
    }
    return Future.all(all).map(cf -> {
      JsonArray out = new JsonArray();
      boolean anyDenied = false;
      for (int i = 0; i < all.size(); i++) {
        Answer a = cf.resultAt(i);
        if (a.response() != null) {
          out.add(a.response());
        }
        anyDenied |= !"allow".equals(a.audit().outcome());
      }
      Reply.Audit audit = new Reply.Audit(anyDenied ? "deny" : "allow", anyDenied ? "partial" : "ok", null, null,
          null, "batch(" + all.size() + ")", null);
      if (out.isEmpty()) {
        return Reply.empty(202, audit);
      }
      return Reply.json(200, out, audit).withHeader("MCP-Protocol-Version", version);
    });
  }

  private static Reply single(Object message, Answer a, Revision revision) {
    if (a.response() == null) {
      return Reply.empty(202, a.audit());
    }
    // The revision decides the result's shape (resultType, cache hints) and the status of an error.
    JsonObject response = revision.shape(message instanceof JsonObject o && o.getValue("method") instanceof String m
        ? m : "", a.response());
    JsonObject err = response.getJsonObject("error");
    int status = err == null ? 200 : revision.status(err.getInteger("code"));
    Reply r = Reply.json(status, response, a.audit());
    if (a.sessionId() != null) {
      r = r.withHeader("Mcp-Session-Id", a.sessionId());
    }
    return r;
  }

  /** {@code streamed} is the control of a call whose answer streams, null for an inline answer. */
  private Future<Answer> answer(Object message, Caller caller, String version, Exchange exchange, boolean inBatch,
      CallControl streamed) {
    if (!(message instanceof JsonObject m)) {
      return invalid(null, "a JSON-RPC message must be an object");
    }
    Object id = m.getValue("id");
    boolean hasId = m.containsKey("id");
    if (!"2.0".equals(m.getValue("jsonrpc"))) {
      return invalid(hasId && JsonRpc.validId(id) ? id : null, "jsonrpc must be \"2.0\"");
    }
    Object method = m.getValue("method");
    if (method == null && hasId && (m.containsKey("result") || m.containsKey("error"))) {
      // A response to a server request; we send none, so it is accepted and ignored.
      return Future.succeededFuture(new Answer(null, Reply.Audit.allow("response"), null));
    }
    if (!(method instanceof String name) || name.isEmpty() || name.length() > 128) {
      return invalid(hasId && JsonRpc.validId(id) ? id : null, "method must be a non-empty string");
    }
    if (hasId && !JsonRpc.validId(id)) {
      return invalid(null, "id must be a string or an integer");
    }
    Object params = m.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      return hasId ? error(id, JsonRpc.INVALID_PARAMS, "params must be an object", name)
          : Future.succeededFuture(new Answer(null, Reply.Audit.deny("invalid_params", name), null));
    }
    JsonObject p = params == null ? new JsonObject() : (JsonObject) params;
    if (!hasId) {
      // Notifications are acknowledged (202) and never answered; a cancel stops the caller's own call.
      Reply.Audit audit = "notifications/cancelled".equals(name) ? calls.cancel(exchange, caller, p)
          : Reply.Audit.allow(name);
      return Future.succeededFuture(new Answer(null, audit, null));
    }
    switch (name) {
      case "initialize":
        if (inBatch) {
          return invalid(id, "initialize cannot be part of a batch");
        }
        return initialize(id, p, caller);
      case "ping":
        return ok(id, new JsonObject(), name);
      case "tools/list":
        return ok(id, new JsonObject().put("tools", tools.visible(caller)), name);
      case "tools/call":
        if (streamed != null) {
          return callTool(id, p, caller, version, exchange, streamed);
        }
        return calls.inline(exchange, caller, id, control -> callTool(id, p, caller, version, exchange, control)
            .map(a -> new ToolCalls.Result(a.response(), a.audit())))
            .map(r -> new Answer(r.response(), r.audit(), null));
      case "resources/list":
        return ok(id, new JsonObject().put("resources", resources.list(caller)), name);
      case "resources/templates/list":
        return ok(id, new JsonObject().put("resourceTemplates", new JsonArray()), name);
      case "resources/read":
        return readResource(id, p, caller, exchange);
      default:
        return error(id, JsonRpc.METHOD_NOT_FOUND, "method not found: " + clip(name), name);
    }
  }

  private Future<Answer> initialize(Object id, JsonObject p, Caller caller) {
    Object asked = p.getValue("protocolVersion");
    if (!(asked instanceof String requested)) {
      return error(id, JsonRpc.INVALID_PARAMS, "params.protocolVersion (a string) is required", "initialize");
    }
    String negotiated = McpEndpoint.VERSIONS.contains(requested) ? requested : McpEndpoint.LATEST_VERSION;
    JsonObject result = new JsonObject()
        .put("protocolVersion", negotiated)
        .put("capabilities", new JsonObject()
            .put("tools", new JsonObject().put("listChanged", true))
            .put("resources", new JsonObject().put("listChanged", false).put("subscribe", false)))
        .put("serverInfo", new JsonObject().put("name", "ephyr").put("version", McpEndpoint.SERVER_VERSION))
        .put("instructions", McpEndpoint.INSTRUCTIONS);
    String session = sessions.issue(caller.agent(), negotiated);
    return Future.succeededFuture(new Answer(JsonRpc.result(id, result), Reply.Audit.allow("initialize"), session));
  }

  private Future<Answer> callTool(Object id, JsonObject p, Caller caller, String version, Exchange exchange,
      CallControl control) {
    Object name = p.getValue("name");
    if (!(name instanceof String tool)) {
      return error(id, JsonRpc.INVALID_PARAMS, "params.name (a string) is required", "tools/call");
    }
    String action = "tools/call " + clip(tool);
    Object args = p.getValue("arguments");
    if (args != null && !(args instanceof JsonObject)) {
      return error(id, JsonRpc.INVALID_PARAMS, "params.arguments must be an object", action);
    }
    ToolProvider owner = tools.owner(tool);
    if (owner == null) {
      return error(id, JsonRpc.INVALID_PARAMS, "unknown tool: " + clip(tool), action);
    }
    Future<ToolResult> call = caller instanceof Caller.BindPending && !TaskTool.BIND.is(tool)
        ? Future.succeededFuture(new ToolResult.Denied(Reason.BIND_REQUIRED.code(),
            "bind first: call task_bind with this token and a DPoP proof from the key to bind"))
        : owner.call(tool, caller, args == null ? new JsonObject() : (JsonObject) args, exchange.context(), control);
    return call.map(r -> {
      if (r instanceof ToolResult.BadParams bad) {
        return new Answer(JsonRpc.error(id, JsonRpc.INVALID_PARAMS, bad.message()),
            Reply.Audit.deny("invalid_params", bad.message()).action(action), null);
      }
      boolean structured = !version.equals("2025-03-26");
      if (r instanceof ToolResult.Denied d) {
        JsonObject result = new JsonObject().put("isError", true).put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", d.code() + ": " + d.message())));
        if (structured) {
          result.put("structuredContent", new JsonObject().put("error", d.code()).put("message", d.message()));
        }
        return new Answer(JsonRpc.result(id, result),
            Reply.Audit.deny(d.code(), d.auditDetail()).action(action).resource(d.resource()), null);
      }
      if (r instanceof ToolResult.Passthrough pt) {
        JsonObject result = pt.result().copy();
        if (!structured) {
          result.remove("structuredContent");
        }
        return new Answer(JsonRpc.result(id, result), Reply.Audit.allow(action).resource(pt.resource()), null);
      }
      ToolResult.Ok ok = (ToolResult.Ok) r;
      JsonObject value = ok.value();
      JsonObject result = new JsonObject().put("isError", false).put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", value.encodePrettily())));
      if (structured) {
        result.put("structuredContent", value);
      }
      return new Answer(JsonRpc.result(id, result), Reply.Audit.allow(action).resource(ok.resource()), null);
    });
  }

  private Future<Answer> readResource(Object id, JsonObject p, Caller caller, Exchange exchange) {
    Object uri = p.getValue("uri");
    if (!(uri instanceof String u)) {
      return error(id, JsonRpc.INVALID_PARAMS, "params.uri (a string) is required", "resources/read");
    }
    ResourceReader reader = tools.resourceReader(u);
    if (reader != null) {
      return readElsewhere(id, u, reader, caller, exchange);
    }
    JsonObject content = resources.read(u, caller, tools.visibleNames(caller));
    if (content == null) {
      return error(id, JsonRpc.RESOURCE_NOT_FOUND, "resource not found: " + clip(u), "resources/read");
    }
    return ok(id, new JsonObject().put("contents", new JsonArray().add(content)), "resources/read " + clip(u));
  }

  /** {@code resources/read} of a resource another capability serves (a federated server's). */
  private Future<Answer> readElsewhere(Object id, String uri, ResourceReader reader, Caller caller,
      Exchange exchange) {
    String action = "resources/read " + clip(uri);
    if (caller instanceof Caller.BindPending) {
      return error(id, JsonRpc.INVALID_PARAMS, Reason.BIND_REQUIRED.code() + ": bind first", action);
    }
    return reader.readResource(uri, caller, exchange.context()).map(r -> {
      if (r instanceof ToolResult.Ok ok) {
        return new Answer(JsonRpc.result(id, ok.value()), Reply.Audit.allow(action).resource(ok.resource()), null);
      }
      if (r instanceof ToolResult.Denied d) {
        return new Answer(JsonRpc.error(id, JsonRpc.RESOURCE_NOT_FOUND, d.code() + ": " + d.message()),
            Reply.Audit.deny(d.code(), d.auditDetail()).action(action).resource(d.resource()), null);
      }
      String message = r instanceof ToolResult.BadParams bad ? bad.message() : "unexpected result";
      return new Answer(JsonRpc.error(id, JsonRpc.INVALID_PARAMS, message),
          Reply.Audit.deny("invalid_params", message).action(action), null);
    });
  }

  private static Future<Answer> ok(Object id, JsonObject result, String action) {
    return Future.succeededFuture(new Answer(JsonRpc.result(id, result), Reply.Audit.allow(action), null));
  }

  private static Future<Answer> error(Object id, int code, String message, String action) {
    String reason = code == JsonRpc.METHOD_NOT_FOUND ? "method_not_found"
        : code == JsonRpc.INVALID_PARAMS ? "invalid_params" : code == JsonRpc.RESOURCE_NOT_FOUND ? "resource_not_found"
        : "invalid_request";
    return Future.succeededFuture(new Answer(JsonRpc.error(id, code, message),
        Reply.Audit.deny(reason, message).action(action), null));
  }

  private static Future<Answer> invalid(Object id, String message) {
    return error(id, JsonRpc.INVALID_REQUEST, "invalid request: " + message, "invalid");
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
