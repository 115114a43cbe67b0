package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.TaskTool;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.cluster.WatermarkStore;
import dev.ephyr.protocol.Reason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/** Routes an agent's task tool call to the class that runs it, after the checks every call shares. */
record AgentTasks(WatermarkStore watermarks, TaskMinting minting, TaskBinding binding, TaskViews views, Revocation revocation) {
  Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    Optional<TaskTool> tool = TaskTool.named(name);
    if (caller instanceof Caller.BindPending && (tool.isEmpty() || tool.get() != TaskTool.BIND)) {
      return Future.succeededFuture(new ToolResult.Denied(Reason.BIND_REQUIRED.code(),
          "bind first: call task_bind with this token and a DPoP proof from the key to bind"));
    }
    if (!watermarks.available()) {
      return Future.failedFuture(new ClusterUnavailableException("node is not ready"));
    }
    if (tool.isEmpty()) {
      return Future.succeededFuture(new ToolResult.BadParams("unknown tool '" + name + "'"));
    }
    return dispatch(tool.get(), caller, args, ctx).map(r -> Outcomes.withSubject(r, args));
  }

  private Future<ToolResult> dispatch(TaskTool tool, Caller caller, JsonObject args, Context ctx) {
    try {
      switch (tool) {
        case CREATE: return minting.create(caller, args, ctx);
        case DELEGATE: return minting.delegate(caller, args, ctx);
        case BIND: return binding.bind(caller, args, ctx);
        case INFO: return views.info(caller, args, ctx);
        case LIST: return views.list(caller, args, ctx);
        case REVOKE: return revocation.revoke(caller, args, ctx);
        case REISSUE: return revocation.reissue(caller, args, ctx);
        default: throw new IllegalStateException("unrouted task tool " + tool);
      }
    } catch (Args.Bad e) {
      return Future.succeededFuture(new ToolResult.BadParams(e.getMessage()));
    }
  }
}
