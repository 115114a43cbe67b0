package dev.ephyr.broker.boot;

import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.http.AuditStep;
import dev.ephyr.broker.http.AuthenticateStep;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.http.OriginStep;
import dev.ephyr.broker.http.Pipeline;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.mcp.CallLimits;
import dev.ephyr.broker.mcp.ListChanges;
import dev.ephyr.broker.mcp.McpEndpoint;
import dev.ephyr.broker.mcp.McpSessions;
import dev.ephyr.broker.mcp.McpTraceStep;
import dev.ephyr.broker.mcp.ResourceMetadata;
import dev.ephyr.broker.proxy.ProxyRoute;
import dev.ephyr.broker.proxy.Upstream;
import dev.ephyr.broker.tasks.RestEndpoint;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tracing.CallerSpanStep;
import dev.ephyr.broker.tracing.Tracing;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The order of every request pipeline of a node, outermost step first, written once. Every agent entry point
 * runs: audit (one record per request, and the request's time bound), origin (browsers only from allowed
 * origins), parse (bounded), authenticate (API key or task token, DPoP), with tracing on a step naming the
 * caller on the request's span, then its own steps.
 */
final class Pipelines {
  /** The longest a proxied request may take: above the longest service timeout the policy allows (10 min). */
  static final Duration PROXY_BOUND = Duration.ofMinutes(11);

  /**
   * The time bounds of MCP tool calls: inline answers just below the request timeout; streamed ones as long
   * as the longest tool may run (a command with its certificate and connection, or the longest service or
   * remote timeout the policy allows), with progress every {@code progressInterval}.
   */
  static CallLimits callLimits(Duration requestTimeout, dev.ephyr.broker.config.SshSettings ssh,
      Duration progressInterval) {
    Duration inline = requestTimeout.minusMillis(500);
    if (inline.compareTo(Duration.ofSeconds(1)) < 0) {
      inline = requestTimeout;
    }
    Duration exec = ssh.maxExecTimeout().plus(ssh.signerTimeout()).plus(ssh.connectTimeout()).plusSeconds(5);
    Duration streamed = exec.compareTo(PROXY_BOUND) > 0 ? exec : PROXY_BOUND;
    return new CallLimits(inline, streamed.compareTo(inline) < 0 ? inline : streamed, progressInterval);
  }

  /**
   * What the entry points share.
   *
   * @param audit where the audit step writes
   * @param metrics request counters
   * @param nodeId this node's id, in every audit record
   * @param clock the node's clock
   * @param allowedOrigins browser origins allowed, read at each request (a configuration reload may change them)
   * @param authenticate the one authentication step
   * @param maxStringChars the longest JSON string a body may hold
   * @param tracing the node's tracing (off: no tracing steps at all)
   */
  record Shared(AuditSink audit, Metrics metrics, String nodeId, Clock clock, Supplier<List<String>> allowedOrigins,
      AuthenticateStep authenticate, int maxStringChars, Tracing tracing) {

    AuditStep audit(String endpoint, Duration bound) {
      return new AuditStep(audit, metrics, nodeId, endpoint, bound, clock);
    }

    OriginStep origin() {
      return new OriginStep(allowedOrigins);
    }

    /** {@code authenticate}, then (tracing on) {@code traced}, which names the caller on a span. */
    List<Step> authenticated(AuthenticateStep authenticate, Step traced) {
      return tracing.enabled() ? List.of(authenticate, traced) : List.of(authenticate);
    }

    List<Step> authenticated() {
      return authenticated(authenticate, new CallerSpanStep());
    }
  }

  private Pipelines() {}

  /**
   * {@code /mcp}: POST runs the tools (and opens 2026-07-28 listen streams), DELETE ends a session, GET opens a
   * 2025 session's stream (refused without one, before authentication); its 401 challenges name the
   * endpoint's protected resource metadata under {@code publicBase}. Requests are bounded by {@code bound},
   * which a tool call that streams progress extends to its own limit ({@code limits}).
   */
  static McpEndpoint mcp(Shared s, Duration bound, String publicBase, McpSessions sessions, List<ToolProvider> tools,
      Supplier<JsonObject> clusterView, ListChanges changes, CallLimits limits) {
    AuditStep audit = s.audit("mcp", bound);
    OriginStep origin = s.origin();
    ResourceMetadata metadata = ResourceMetadata.of(publicBase, McpEndpoint.PATH);
    AuthenticateStep authenticate = s.authenticate().withResourceMetadata(metadata.url());
    McpEndpoint.Steps mcp = McpEndpoint.steps(s.maxStringChars(), sessions, tools, clusterView, changes, limits);
    return new McpEndpoint(
        new Pipeline(join(List.of(audit, origin, mcp.parse()),
            s.authenticated(authenticate, new McpTraceStep(s.tracing().tracer())), List.of(mcp.session(),
            mcp.modern(), mcp.dispatch()))),
        new Pipeline(List.of(audit, origin, authenticate, mcp.endSession())),
        new Pipeline(List.of(audit, origin, mcp.streamGate(), authenticate, mcp.session(), mcp.stream())), metadata);
  }

  /** {@code /v1/tasks}: the REST mirror of the task tools (the same {@code taskTools} MCP lists). */
  static RestEndpoint rest(Shared s, Duration bound, ToolProvider taskTools) {
    RestEndpoint.Steps rest = RestEndpoint.steps(s.maxStringChars(), taskTools);
    return new RestEndpoint(new Pipeline(join(List.of(s.audit("rest", bound), s.origin(), rest.parse()),
        s.authenticated(), List.of(rest.dispatch()))));
  }

  /**
   * {@code /v1/proxy/<service>/<path>}: bodies are streamed, except that a DPoP-bound request's body (whose
   * hash the proof signs) is read first, up to {@code bufferedBodyLimit}.
   */
  static ProxyRoute proxy(Shared s, Upstream upstream, long bufferedBodyLimit) {
    ProxyRoute.Steps proxy = ProxyRoute.steps(bufferedBodyLimit, upstream);
    return new ProxyRoute(new Pipeline(join(List.of(s.audit("proxy", PROXY_BOUND), s.origin(), proxy.parse()),
        s.authenticated(), List.of(proxy.forward()))));
  }

  @SafeVarargs
  private static List<Step> join(List<? extends Step>... parts) {
    List<Step> all = new ArrayList<>();
    for (List<? extends Step> p : parts) {
      all.addAll(p);
    }
    return all;
  }
}
