package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.JsonBodies;
import dev.ephyr.broker.http.Pipeline;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import dev.ephyr.broker.http.Step;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.function.Function;

/**
 * The REST mirror of the task tools under {@code /v1/tasks}: same service, same authentication (API key
 * or task token with DPoP, {@code htu} = public URL + path), plain HTTP statuses.
 */
public final class RestEndpoint implements Routes {
  static final Exchange.Key<Operation> OPERATION = Exchange.Key.of("operation", Operation.class);

  /**
   * Which tool a route runs and the arguments the route itself supplies.
   *
   * @param tool the task tool
   * @param fromPath arguments from the path or query (merged over the body)
   */
  public record Operation(TaskTool tool, JsonObject fromPath) {}

  private final Pipeline pipeline;

  /** The REST mirror over its pipeline, already in order (see the node's {@code Pipelines}). */
  public RestEndpoint(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * The endpoint's own steps, for the node's {@code Pipelines}.
   *
   * @param parse reads an optional JSON object body and sets the token purpose
   * @param dispatch runs the route's task tool (the same tools MCP calls) for the authenticated caller
   */
  public record Steps(Step parse, Step dispatch) {}

  /** Its steps: strings bounded by {@code maxStringChars}, the tools of {@code tasks}. */
  public static Steps steps(int maxStringChars, ToolProvider tasks) {
    return new Steps(new ParseStep(new JsonBodies(maxStringChars)), new DispatchStep(tasks));
  }

  @Override
  public void mount(Router router, Responder responder) {
    router.route("/v1/tasks*").handler(responder.bodyHandler());
    route(router.post("/v1/tasks"), responder, TaskTool.CREATE, ctx -> new JsonObject());
    route(router.get("/v1/tasks"), responder, TaskTool.LIST, RestEndpoint::listArgs);
    route(router.post("/v1/tasks/delegate"), responder, TaskTool.DELEGATE, ctx -> new JsonObject());
    route(router.post("/v1/tasks/bind"), responder, TaskTool.BIND, ctx -> new JsonObject());
    route(router.get("/v1/tasks/:id"), responder, TaskTool.INFO, RestEndpoint::idArg);
    route(router.post("/v1/tasks/:id/revoke"), responder, TaskTool.REVOKE, RestEndpoint::idArg);
    route(router.post("/v1/tasks/:id/reissue"), responder, TaskTool.REISSUE, RestEndpoint::idArg);
  }

  private void route(Route route, Responder responder, TaskTool tool, Function<RoutingContext, JsonObject> fromPath) {
    route.handler(ctx -> responder.respond(ctx, ex -> handle(ex, new Operation(tool, fromPath.apply(ctx)))));
  }

  private static JsonObject idArg(RoutingContext ctx) {
    return new JsonObject().put("task_id", ctx.pathParam("id"));
  }

  private static JsonObject listArgs(RoutingContext ctx) {
    String inactive = ctx.queryParams().get("include_inactive");
    return inactive == null ? new JsonObject() : new JsonObject().put("include_inactive", "true".equals(inactive));
  }

  /** Runs {@code operation} for the request. */
  public Future<Reply> handle(Exchange exchange, Operation operation) {
    return pipeline.run(exchange.with(OPERATION, operation));
  }

  /** Reads an optional JSON object body and sets the token purpose. */
  private record ParseStep(JsonBodies json) implements Step {

    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      Operation op = exchange.get(OPERATION);
      JsonObject args = new JsonObject();
      if (exchange.body() != null && exchange.body().length() > 0) {
        String type = exchange.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
          return Future.succeededFuture(Reply.error(415, "unsupported_media_type", "send application/json", type));
        }
        JsonBodies.Parsed p = json.parse(exchange.body());
        if (p instanceof JsonBodies.Parsed.Invalid bad) {
          return Future.succeededFuture(Reply.error(400, "parse_error", bad.problem(), bad.problem()));
        }
        Object v = ((JsonBodies.Parsed.Value) p).value();
        if (!(v instanceof JsonObject o)) {
          return Future.succeededFuture(Reply.error(400, "invalid_request", "the body must be a JSON object", null));
        }
        args = o;
      }
      args = args.copy().mergeIn(op.fromPath());
      Operation merged = new Operation(op.tool(), args);
      return chain.proceed(exchange.with(OPERATION, merged)
          .with(Attributes.PURPOSE, op.tool() == TaskTool.BIND ? Purpose.BIND : Purpose.USE)
          .with(Attributes.BIND_PENDING, Authenticator.BindPendingUse.REFUSE));
    }
  }

  /** Runs the tool and maps its outcome to an HTTP status. */
  private record DispatchStep(ToolProvider tasks) implements Step {

    @Override
    public Future<Reply> handle(Exchange exchange, Chain chain) {
      Operation op = exchange.get(OPERATION);
      Caller caller = exchange.get(Attributes.CALLER);
      String action = exchange.method() + " " + exchange.path() + " (" + op.tool().toolName() + ")";
      return tasks.call(op.tool().toolName(), caller, op.fromPath(), exchange.context()).map(r -> {
        if (r instanceof ToolResult.Ok ok) {
          int status = op.tool().creates() ? 201 : 200;
          return Reply.json(status, ok.value(), Reply.Audit.allow(action).resource(ok.resource()));
        }
        if (r instanceof ToolResult.BadParams bad) {
          return Reply.error(400, "invalid_params", bad.message(), null).withAudit(
              Reply.Audit.deny("invalid_params", bad.message()).action(action));
        }
        ToolResult.Denied d = (ToolResult.Denied) r;
        return Reply.error(status(d.code()), d.code(), d.message(), d.auditDetail())
            .withAudit(Reply.Audit.deny(d.code(), d.auditDetail()).action(action).resource(d.resource()));
      });
    }

    private static int status(String code) {
      switch (code) {
        case "not_found": return 404;
        case "already_bound":
        case "task_bound":
          return 409;
        case "bind_required": return 423;
        default: return 403;
      }
    }
  }
}
