package dev.ephyr.broker.mcp;

import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.JsonBodies;
import dev.ephyr.broker.http.Pipeline;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.tools.ToolProvider;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Supplier;

/**
 * The MCP Streamable HTTP endpoint ({@code /mcp}), every revision on one path, chosen per request (see
 * {@link Revision}): POST carries JSON-RPC and is answered with JSON, or with an event stream for
 * {@code subscriptions/listen} and for a {@code tools/call} with a {@code progressToken} from a client that accepts
 * one; GET opens a 2025 session's stream (405 otherwise); DELETE ends a session. Each method is one pipeline;
 * their order is written in the node's {@code Pipelines}. Its protected resource metadata (RFC 9728) is served
 * at the well-known URLs and named
 * in every 401 challenge.
 */
public final class McpEndpoint implements Routes {
  /** The endpoint's path. */
  public static final String PATH = "/mcp";
  /** Protocol versions {@code initialize} negotiates, oldest first (2026-07-28 has no initialize). */
  public static final List<String> VERSIONS = List.of("2025-03-26", "2025-06-18", "2025-11-25");
  /** Offered by {@code initialize} when the client asks for a version it does not negotiate. */
  public static final String LATEST_VERSION = "2025-11-25";
  /** Assumed when neither a header nor a session names one (as the specification says). */
  public static final String DEFAULT_VERSION = "2025-03-26";
  /** Versions whose transport allows JSON-RPC batches (removed in 2025-06-18). */
  static final List<String> BATCH_VERSIONS = List.of("2025-03-26");
  static final String SERVER_VERSION = "0.1.0";
  static final String INSTRUCTIONS = "Ephyr brokers task-scoped access. Create a task (task_create, API key) or act "
      + "with a task token; delegate narrower child tasks with task_delegate; read ephyr://whoami for your envelope.";

  private final Pipeline post;
  private final Pipeline delete;
  private final Pipeline get;
  private final ResourceMetadata metadata;

  /**
   * The endpoint over its three pipelines, each already in order (see the node's {@code Pipelines}).
   *
   * @param post JSON-RPC requests
   * @param delete ends a session
   * @param get a 2025 session's stream
   * @param metadata the protected resource metadata its 401 challenges name
   */
  public McpEndpoint(Pipeline post, Pipeline delete, Pipeline get, ResourceMetadata metadata) {
    this.post = post;
    this.delete = delete;
    this.get = get;
    this.metadata = metadata;
  }

  /**
   * The endpoint's own steps, for the node's {@code Pipelines}.
   *
   * @param parse reads the JSON-RPC body and decides the revision (checking 2026-07-28's _meta and headers)
   * @param session checks the {@code Mcp-Session-Id} of an authenticated 2025 request
   * @param modern answers what only 2026-07-28 has ({@code server/discover}, {@code subscriptions/listen})
   * @param dispatch answers the JSON-RPC method (tools, resources, {@code initialize})
   * @param endSession ends the authenticated caller's session (DELETE)
   * @param streamGate answers GET without a session (405) before authentication
   * @param stream opens a 2025 session's GET stream
   */
  public record Steps(Step parse, Step session, Step modern, Step dispatch, Step endSession, Step streamGate,
      Step stream) {}

  /**
   * Its steps: strings bounded by {@code maxStringChars}; {@code tools} in listing order; {@code cluster} a
   * snapshot of the cluster state for {@code ephyr://cluster}; {@code changes} this node's list-change streams;
   * {@code limits} the time bounds of tool calls.
   */
  public static Steps steps(int maxStringChars, McpSessions sessions, List<ToolProvider> tools,
      Supplier<JsonObject> cluster, ListChanges changes, CallLimits limits) {
    ToolCatalog catalog = new ToolCatalog(tools);
    warmUp(changes);
    return new Steps(new McpParseStep(new JsonBodies(maxStringChars)), new McpSessionStep(sessions),
        new McpModernStep(catalog, changes), new McpDispatchStep(catalog, new McpResources(cluster), sessions,
            new ToolCalls(limits)),
        new EndSessionStep(sessions), new McpGetStream.Gate(), new McpGetStream.Open(catalog, changes));
  }

  /**
   * Loads, on the node-building thread, the classes the first 2026-07-28 request and the first stream would
   * otherwise load on an event loop.
   */
  private static void warmUp(ListChanges changes) {
    JsonObject sample = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("result", new JsonObject());
    Revision.V2026_07_28.shape("tools/list", sample);
    ModernRequest.check(new McpAttributes.Rpc(List.of(new JsonObject().put("jsonrpc", "2.0").put("id", 1)
        .put("method", "tools/call").put("params", new JsonObject().put("name", "x").put("_meta", new JsonObject()
            .put(Revision.META_VERSION, Revision.V2026_07_28.wire()).put(Revision.META_CAPABILITIES, new JsonObject())))),
        false), name -> List.of("=?base64?eA==?="));
    if (changes.admit("", null, cause -> { }) instanceof ListChanges.Admitted a) {
      a.ticket().release();
    }
    for (Class<?> c : List.of(SseStream.class, ToolListStream.class, McpModernStep.class, McpGetStream.class,
        ListChanges.Refused.class, ListChanges.Cause.class)) {
      try {
        Class.forName(c.getName(), true, c.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void mount(Router router, Responder responder) {
    // Public by nature (RFC 9728): the root form is where clients look when the path-suffixed one is absent.
    for (String path : List.of(ResourceMetadata.WELL_KNOWN, ResourceMetadata.WELL_KNOWN + PATH)) {
      router.get(path).handler(ctx -> responder.write(ctx, Reply.json(200, metadata.document(),
          Reply.Audit.allow("GET " + path)).withHeader("Cache-Control", "max-age=3600")));
    }
    router.route(PATH).handler(responder.bodyHandler());
    // Streamed answers write the response themselves; the exchange carries it to them.
    router.post(PATH).handler(ctx -> responder.respond(ctx, ex -> post(ex.with(McpAttributes.ROUTING, ctx))));
    router.get(PATH).handler(ctx -> responder.respond(ctx, ex -> get(ex.with(McpAttributes.ROUTING, ctx))));
    router.delete(PATH).handler(ctx -> responder.respond(ctx, this::delete));
    router.route(PATH).handler(ctx -> responder.write(ctx, Reply.error(405, "method_not_allowed",
        "use POST, GET or DELETE", null).withHeader("Allow", "POST, GET, DELETE")));
  }

  /** Handles a POST. */
  public Future<Reply> post(Exchange exchange) {
    return post.run(exchange);
  }

  /** Handles a DELETE. */
  public Future<Reply> delete(Exchange exchange) {
    return delete.run(exchange);
  }

  /** Handles a GET. */
  public Future<Reply> get(Exchange exchange) {
    return get.run(exchange);
  }

  /** Ends the session named by {@code Mcp-Session-Id}, cluster-wide. */
  private record EndSessionStep(McpSessions sessions) implements Step {

    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      McpSessions.Session s = sessions.check(exchange.header("Mcp-Session-Id"));
      var caller = exchange.get(Attributes.CALLER);
      if (s == null || !s.agent().equals(caller.agent())) {
        return Future.succeededFuture(Reply.error(404, "session_not_found", "no such session", null));
      }
      return sessions.end(s, exchange.context()).map(v -> Reply.empty(204, Reply.Audit.allow("end session")));
    }
  }
}
