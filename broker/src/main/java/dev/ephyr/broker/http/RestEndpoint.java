package dev.ephyr.broker.http;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The REST mirror of the task tools under {@code /v1/tasks}: same service, same authentication (API key
 * or task token with DPoP, {@code htu} = public URL + path), plain HTTP statuses.
 */
public final class RestEndpoint {
  static final Exchange.Key<Operation> OPERATION = Exchange.Key.of("operation", Operation.class);

  /**
   * Which tool a route runs and the arguments the route itself supplies.
   *
   * @param tool the task tool
   * @param fromPath arguments from the path or query (merged over the body)
   */
  public record Operation(TaskTool tool, JsonObject fromPath) {}

  private final Pipeline pipeline;

  /** Assembles the REST pipeline after the {@code outer} steps. */
  public RestEndpoint(List<Step> outer, AuthenticateStep authenticate, ToolProvider tasks, int maxStringChars) {
    List<Step> steps = new ArrayList<>(outer);
    steps.add(new ParseStep(new JsonBodies(maxStringChars)));
    steps.add(authenticate);
    steps.add(new DispatchStep(tasks));
    this.pipeline = new Pipeline(steps);
  }

  /** Runs {@code operation} for the request. */
  public Future<Reply> handle(Exchange exchange, Operation operation) {
    return pipeline.run(exchange.with(OPERATION, operation));
  }

  /** Reads an optional JSON object body and sets the token purpose. */
  private static final class ParseStep implements Step {
    private final JsonBodies json;

    ParseStep(JsonBodies json) {
      this.json = json;
    }

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
  private static final class DispatchStep implements Step {
    private final ToolProvider tasks;

    DispatchStep(ToolProvider tasks) {
      this.tasks = tasks;
    }

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
