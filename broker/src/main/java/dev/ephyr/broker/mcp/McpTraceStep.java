package dev.ephyr.broker.mcp;

import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.tracing.CallerSpanStep;
import dev.ephyr.broker.tracing.SpanNames;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One span per MCP request, naming its method, tool and caller, under the caller's trace: the HTTP
 * {@code traceparent} when the request had one, else the {@code params._meta.traceparent} of its single message
 * (how MCP clients carry trace context), else the request's own span. The span stays current until the reply,
 * so every hop the request makes (a forwarded session call, a federated call, a proxied request) is its child.
 */
public final class McpTraceStep implements Step {
  private static final TextMapGetter<JsonObject> META = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(JsonObject meta) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(JsonObject meta, String key) {
      return meta == null || !(meta.getValue(key) instanceof String s) ? null : s;
    }
  };

  private final Tracer tracer;

  /** Spans from {@code tracer}. */
  public McpTraceStep(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    McpAttributes.Rpc rpc = exchange.get(McpAttributes.RPC);
    JsonObject single = rpc != null && !rpc.batch() && rpc.messages().get(0) instanceof JsonObject o ? o : null;
    String method = single == null ? "batch" : String.valueOf(single.getValue("method", "response"));
    Context parent = Context.current();
    Context fromMeta = exchange.header("traceparent") == null ? metaContext(single) : null;
    SpanBuilder builder = tracer.spanBuilder("mcp " + method).setAttribute(SpanNames.MCP_METHOD, method);
    if (fromMeta != null) {
      // The request span started a trace of its own; this one joins the client's and links back to it.
      builder.setParent(fromMeta).setSpanKind(SpanKind.SERVER).addLink(Span.fromContext(parent).getSpanContext());
      parent = fromMeta;
    } else {
      builder.setParent(parent).setSpanKind(SpanKind.INTERNAL);
    }
    if (single != null && single.getValue("id") != null) {
      builder.setAttribute(SpanNames.REQUEST_ID, String.valueOf(single.getValue("id")));
    }
    if ("tools/call".equals(method) && single.getValue("params") instanceof JsonObject p
        && p.getValue("name") instanceof String tool) {
      builder.setAttribute(SpanNames.TOOL, tool);
    }
    Span span = builder.startSpan();
    CallerSpanStep.name(span, exchange.get(Attributes.CALLER));
    Scope scope = parent.with(span).makeCurrent();
    Future<Reply> reply;
    try {
      reply = chain.proceed(exchange);
    } catch (RuntimeException e) {
      span.recordException(e);
      end(span, scope, 500);
      throw e;
    }
    return reply.onComplete(ar -> end(span, scope, ar.succeeded() ? ar.result().status() : 500));
  }

  private static Context metaContext(JsonObject message) {
    if (message == null || !(message.getValue("params") instanceof JsonObject p)
        || !(p.getValue("_meta") instanceof JsonObject meta)) {
      return null;
    }
    Context c = W3CTraceContextPropagator.getInstance().extract(Context.root(), meta, META);
    return Span.fromContext(c).getSpanContext().isValid() ? c : null; // a malformed traceparent is ignored
  }

  private static void end(Span span, Scope scope, int status) {
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
    scope.close();
  }
}
