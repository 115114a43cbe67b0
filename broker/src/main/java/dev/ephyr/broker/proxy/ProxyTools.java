package dev.ephyr.broker.proxy;

import static dev.ephyr.broker.tools.ToolSchemas.integer;
import static dev.ephyr.broker.tools.ToolSchemas.str;
import static dev.ephyr.broker.tools.ToolSchemas.tool;
import static dev.ephyr.broker.tools.ToolSchemas.typed;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.ServicePolicy;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The proxy's MCP tools: {@code http_request} (one request to a service, answered whole, body capped) and
 * {@code list_services} (what the caller may reach). Listed only when the caller holds at least one service;
 * every call re-checks envelope and policy.
 */
public final class ProxyTools implements ToolProvider {
  /** Largest response body returned inside a tool result (the service's own cap may be lower). */
  public static final long MAX_TOOL_BODY = 4L << 20;
  private static final Set<String> KNOWN_ARGS = Set.of("service", "method", "path", "url", "query", "headers",
      "body", "body_base64", "timeout_seconds");

  private final Upstream upstream;
  private final Duration ceiling;
  private final JsonObject httpRequest;
  private final JsonObject listServices;

  /**
   * @param upstream the proxy engine
   * @param ceiling the longest a tool call may take (below the MCP request timeout, so the answer arrives)
   */
  public ProxyTools(Upstream upstream, Duration ceiling) {
    this.upstream = upstream;
    this.ceiling = ceiling.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : ceiling;
    JsonObject stringMap = typed("object", "header name → value").put("additionalProperties",
        new JsonObject().put("type", "string")).put("maxProperties", HeaderRules.MAX_HEADERS);
    this.httpRequest = tool("http_request", "Call an HTTP service through the broker, which adds the service's "
        + "credential (you never see it). Only services from list_services, only their methods and paths; "
        + "redirects are returned, not followed.", new JsonObject()
        .put("service", str("the service name (from list_services)"))
        .put("method", str("GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS (default GET)"))
        .put("path", str("path on the service, with an optional ?query, e.g. /api/v1/user?limit=5"))
        .put("url", str("alternatively the full URL; it must be exactly on the service's origin"))
        .put("query", typed("object", "extra query parameters, name → value (encoded for you)")
            .put("additionalProperties", new JsonObject().put("type", "string")))
        .put("headers", stringMap)
        .put("body", str("request body as text (UTF-8)"))
        .put("body_base64", str("request body as base64, for binary content"))
        .put("timeout_seconds", integer("give up sooner than the service's timeout", 1, 600)), List.of());
    this.listServices = tool("list_services", "List the HTTP services this task or agent may call through "
        + "http_request, with their methods and paths.", new JsonObject(), List.of());
  }

  @Override
  public boolean owns(String name) {
    return name.equals("http_request") || name.equals("list_services");
  }

  @Override
  public List<JsonObject> visible(Caller caller) {
    if (Access.visible(caller, upstream.policy()).isEmpty()) {
      return List.of();
    }
    return List.of(listServices.copy(), httpRequest.copy());
  }

  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    return call(name, caller, args, ctx, CallControl.of(CallControl.Delivery.INLINE));
  }

  /** A streamed call may take the service's whole timeout; a cancel resets the upstream request. */
  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx, CallControl control) {
    if (name.equals("list_services")) {
      return Future.succeededFuture(listServices(caller));
    }
    RequestArgs.Parsed parsed = RequestArgs.parse(args, KNOWN_ARGS, upstream.policy());
    if (parsed instanceof RequestArgs.Bad bad) {
      upstream.count("tool", args.getValue("service") instanceof String s ? s : null, "invalid_params");
      return Future.succeededFuture(new ToolResult.BadParams(bad.message()));
    }
    RequestArgs.Request r = (RequestArgs.Request) parsed;
    Upstream.Checking checking = upstream.check(caller, r.service(), r.method(), r.target(), r.headers());
    if (checking instanceof Upstream.Rejected rejected) {
      return Future.succeededFuture(denied(r.service(), rejected.refusal()));
    }
    Upstream.Checked checked = (Upstream.Checked) checking;
    ServicePolicy svc = checked.service();
    // The body goes into JSON text: no compression, whether or not a credential is injected.
    checked.headers().set("Accept-Encoding", "identity");
    Duration timeout = min(control.streamed() ? svc.timeout() : min(svc.timeout(), ceiling), r.timeout());
    long cap = Math.min(svc.maxResponseBytes(), MAX_TOOL_BODY);
    List<String> dropped = HeaderRules.dropped(r.headers(), checked.headers());
    return upstream.open(checked, ctx, timeout)
        .compose(call -> {
          control.onCancel(() -> ctx.runOnContext(v -> call.abort()));
          return Future.succeededFuture(call);
        })
        .compose(call -> exchange(call, r, cap)
            .map(done -> (ToolResult) new ToolResult.Ok(result(svc, r, done, dropped), "service:" + svc.name()))
            .recover(e -> {
              call.finish();
              return Future.succeededFuture(denied(svc.name(), call.failure(e)));
            }))
        .recover(e -> Future.succeededFuture(e instanceof RefusedException re ? denied(svc.name(), re.refusal())
            : denied(svc.name(), Refusal.of("upstream_error", 502, "the exchange with service '" + svc.name()
                + "' failed", e.getClass().getSimpleName()))))
        .onSuccess(res -> {
          if (res instanceof ToolResult.Ok) {
            upstream.count("tool", svc.name(), "ok");
          }
        });
  }

  private ToolResult listServices(Caller caller) {
    Policy p = upstream.policy();
    Access.Decision scope = Access.scope(caller, p);
    if (scope instanceof Access.Denied d) {
      return new ToolResult.Denied(d.refusal().code(), d.refusal().message(), d.refusal().auditDetail());
    }
    Access.Scope s = (Access.Scope) scope;
    JsonArray out = new JsonArray();
    for (ServicePolicy svc : Access.visible(caller, p)) {
      JsonArray methods = new JsonArray();
      for (String m : new java.util.TreeSet<>(svc.methods())) {
        if (s.methods().contains(m)) {
          methods.add(m);
        }
      }
      out.add(new JsonObject().put("name", svc.name()).put("origin", ServiceUrl.text(svc.origin()))
          .put("methods", methods).put("paths", new JsonArray(svc.paths()))
          .put("auth", svc.auth() == null ? "none" : svc.auth().type().key())
          .put("timeout_seconds", svc.timeout().toSeconds())
          .put("max_response_bytes", svc.maxResponseBytes())
          .put("route", "/v1/proxy/" + svc.name() + "/"));
    }
    return new ToolResult.Ok(new JsonObject().put("services", out));
  }

  private ToolResult denied(String service, Refusal r) {
    upstream.count("tool", service, r.code());
    String resource = service == null ? null : "service:" + Access.clip(service);
    return new ToolResult.Denied(r.code(), r.message(), r.auditDetail(), resource);
  }

  /** One response, read whole up to {@code cap}. */
  private record Done(int status, MultiMap headers, Buffer body, boolean truncated, String location,
      boolean locationRemoved, long durationNanos) {}

  private Future<Done> exchange(Upstream.Call call, RequestArgs.Request r, long cap) {
    Future<HttpClientResponse> sent = r.body() == null ? call.request.send() : call.request.send(r.body());
    return sent.compose(res -> {
      upstream.observe(call.service, call.started);
      Refusal unreadable = call.unreadable(res);
      if (unreadable != null) {
        res.exceptionHandler(e -> { }); // the reset below is ours
        call.abort();
        return Future.failedFuture(new RefusedException(unreadable));
      }
      Promise<Done> done = Promise.promise();
      Buffer body = Buffer.buffer();
      boolean[] truncated = {false};
      res.exceptionHandler(e -> {
        if (!truncated[0]) {
          done.tryFail(e);
        }
      });
      res.handler(chunk -> {
        if (truncated[0]) {
          return;
        }
        if (body.length() + chunk.length() > cap) {
          body.appendBuffer(chunk, 0, (int) (cap - body.length()));
          truncated[0] = true;
          call.abort();
          done.tryComplete(done(call, res, body, true, r));
        } else {
          body.appendBuffer(chunk);
        }
      });
      res.endHandler(v -> {
        call.finish();
        done.tryComplete(done(call, res, body, false, r));
      });
      return done.future();
    });
  }

  private static Done done(Upstream.Call call, HttpClientResponse res, Buffer body, boolean truncated,
      RequestArgs.Request r) {
    Redactor red = call.redactor;
    // When cut short, the held-back tail is dropped too: it could be the first half of the credential.
    Buffer clean = !red.active() ? body : truncated ? red.next(body)
        : Buffer.buffer().appendBuffer(red.next(body)).appendBuffer(red.finish());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> h : HeaderRules.inbound(res.headers())) {
      if (red.scrub(h.getKey()).equals(h.getKey())) { // a header named after the secret is dropped
        headers.add(h.getKey(), red.scrub(h.getValue()));
      }
    }
    String location = null;
    boolean removed = false;
    String raw = res.getHeader("Location");
    if (raw != null) {
      location = Redirects.sameOriginTarget(red.scrub(raw), call.service.origin(), r.target().rawPath());
      removed = location == null;
    }
    return new Done(res.statusCode(), headers, clean, truncated, location, removed, System.nanoTime() - call.started);
  }

  private static JsonObject result(ServicePolicy svc, RequestArgs.Request r, Done d, List<String> dropped) {
    JsonObject headers = new JsonObject();
    for (String n : d.headers.names()) {
      List<String> all = d.headers.getAll(n);
      headers.put(n.toLowerCase(Locale.ROOT), all.size() == 1 ? all.get(0) : new JsonArray(all));
    }
    JsonObject out = new JsonObject().put("service", svc.name()).put("method", r.method())
        .put("path", r.target().pathAndQuery()).put("status", d.status).put("headers", headers);
    String text = text(d.headers.get("Content-Type"), d.body);
    if (text != null) {
      out.put("body", text);
    } else {
      out.put("body_base64", Base64.getEncoder().encodeToString(d.body.getBytes()));
    }
    out.put("bytes", d.body.length()).put("truncated", d.truncated);
    if (d.truncated) {
      out.put("note", "the response exceeded " + Math.min(svc.maxResponseBytes(), MAX_TOOL_BODY)
          + " bytes; only the first bytes are shown and the connection was cut");
    }
    if (d.location != null) {
      out.put("location", d.location).put("redirect_note",
          "redirect not followed; request the location (a path on the same service) yourself if wanted");
    } else if (d.locationRemoved) {
      out.put("redirect", "location_removed").put("redirect_note",
          "the service redirected to another origin; the redirect was not followed and its target is withheld");
    }
    if (!dropped.isEmpty()) {
      out.put("headers_dropped", new JsonArray(dropped));
    }
    return out.put("duration_ms", d.durationNanos / 1_000_000);
  }

  /** The body as text when it is UTF-8 text, else {@code null} (sent as base64). */
  private static String text(String contentType, Buffer body) {
    String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    boolean textual = ct.isEmpty() || ct.startsWith("text/") || ct.contains("json") || ct.contains("xml")
        || ct.contains("javascript") || ct.contains("x-www-form-urlencoded") || ct.contains("yaml");
    if (!textual) {
      return null;
    }
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body.getBytes())).toString();
      return s.indexOf('\0') >= 0 ? null : s;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
