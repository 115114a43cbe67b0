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
 * The MCP Streamable HTTP endpoint ({@code /mcp}): POST carries JSON-RPC and is answered with JSON (or, for a
 * {@code tools/call} with a {@code progressToken} from a client that accepts it, an SSE stream); GET
 * offers no stream (405); DELETE ends a session. Each method is one pipeline; their order is written in the
 * node's {@code Pipelines}. Its protected resource metadata (RFC 9728) is served at the well-known URLs and named
 * in every 401 challenge.
 */
public final class McpEndpoint implements Routes {
  /** The endpoint's path. */
  public static final String PATH = "/mcp";
  /** Protocol versions this server speaks, oldest first. */
  public static final List<String> VERSIONS = List.of("2025-03-26", "2025-06-18", "2025-11-25");
  /** Offered when the client asks for a version we do not speak. */
  public static final String LATEST_VERSION = "2025-11-25";
  /** Assumed when neither a header nor a session names one (as the specification says). */
  public static final String DEFAULT_VERSION = "2025-03-26";
  /** Versions whose transport allows JSON-RPC batches (removed in 2025-06-18). */
  static final List<String> BATCH_VERSIONS = List.of("2025-03-26");
  static final String SERVER_VERSION = "0.1.0";

  private final Pipeline post;
  private final Pipeline delete;
  private final Pipeline get;
  private final ResourceMetadata metadata;

  /**
   * The endpoint over its three pipelines, each already in order (see the node's {@code Pipelines}).
   *
   * @param post JSON-RPC requests
   * @param delete ends a session
   * @param get the stream this server does not offer
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
   * @param parse reads the JSON-RPC body and the protocol version
   * @param session checks the {@code Mcp-Session-Id} of an authenticated request
   * @param dispatch answers the JSON-RPC method (tools, resources, {@code initialize})
   * @param endSession ends the authenticated caller's session (DELETE)
   * @param noStream answers GET: this server offers no SSE stream
   */
  public record Steps(Step parse, Step session, Step dispatch, Step endSession, Step noStream) {}

  /**
   * Its steps: strings bounded by {@code maxStringChars}; {@code tools} in listing order; {@code cluster} a
   * snapshot of the cluster state for {@code ephyr://cluster}; {@code limits} the time bounds of tool calls.
   */
  public static Steps steps(int maxStringChars, McpSessions sessions, List<ToolProvider> tools,
      Supplier<JsonObject> cluster, CallLimits limits) {
    return new Steps(new McpParseStep(new JsonBodies(maxStringChars)), new McpSessionStep(sessions),
        new McpDispatchStep(new ToolCatalog(tools), new McpResources(cluster), sessions, new ToolCalls(limits)),
        new EndSessionStep(sessions),
        (exchange, chain) -> Future.succeededFuture(
            Reply.error(405, "method_not_allowed", "this server offers no SSE stream on GET; use POST", null)
                .withHeader("Allow", "POST, DELETE")));
  }

  @Override
  public void mount(Router router, Responder responder) {
    // Public by nature (RFC 9728): the root form is where clients look when the path-suffixed one is absent.
    for (String path : List.of(ResourceMetadata.WELL_KNOWN, ResourceMetadata.WELL_KNOWN + PATH)) {
      router.get(path).handler(ctx -> responder.write(ctx, Reply.json(200, metadata.document(),
          Reply.Audit.allow("GET " + path)).withHeader("Cache-Control", "max-age=3600")));
    }
    router.route(PATH).handler(responder.bodyHandler());
    // The request goes along: a tools/call that streams progress writes its response as server-sent events.
    router.post(PATH).handler(ctx -> responder.respond(ctx, ex -> post(ex.with(McpAttributes.REQUEST,
        ctx.request()))));
    router.get(PATH).handler(ctx -> responder.respond(ctx, this::get));
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
