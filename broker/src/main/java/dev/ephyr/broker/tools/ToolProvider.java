package dev.ephyr.broker.tools;

import dev.ephyr.broker.auth.Caller;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One capability's MCP tools (tasks, SSH, proxy, federation). The MCP endpoint lists and dispatches
 * through providers and knows none of them; every provider re-checks envelope and policy on each call,
 * whatever it listed.
 */
public interface ToolProvider {

  /**
   * The descriptors ({@code name}, {@code description}, {@code inputSchema}) of the tools {@code caller}
   * may use now, in listing order; what the caller's envelope or policy rules out is not listed.
   * {@link Caller.BindPending} callers see only what binding needs.
   */
  List<JsonObject> visible(Caller caller);

  /** Whether {@code name} is one of this provider's tools (listed or not). */
  boolean owns(String name);

  /**
   * Runs tool {@code name} (one this provider {@link #owns}) with {@code args} (never null) on the event
   * loop of {@code ctx}. Refusals are {@link ToolResult.Denied}, bad arguments {@link ToolResult.BadParams};
   * the future fails only when the cluster cannot answer or on a bug.
   */
  Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx);

  /**
   * Like {@link #call(String, Caller, JsonObject, Context)}, for a call whose answer travels as
   * {@code control} says and which the client may cancel: a provider whose tools run long (or hold a
   * connection) overrides this to stop the work on {@link CallControl#onCancel} and to allow its longer
   * limit to streamed calls. The default ignores both.
   */
  default Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx, CallControl control) {
    return call(name, caller, args, ctx);
  }
}
