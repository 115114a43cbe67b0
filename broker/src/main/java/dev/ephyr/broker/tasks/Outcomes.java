package dev.ephyr.broker.tasks;

import dev.ephyr.broker.tools.ToolResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** The task operations' common answers. */
final class Outcomes {
  private Outcomes() {}

  static ToolResult ok(JsonObject o) {
    return new ToolResult.Ok(o);
  }

  static Future<ToolResult> denied(String code, String message) {
    return Future.succeededFuture(new ToolResult.Denied(code, message));
  }

  static Future<ToolResult> bad(String message) {
    return Future.succeededFuture(new ToolResult.BadParams(message));
  }

  /** A task the caller may not see, said the same way as one that does not exist. */
  static ToolResult notVisible(String task) {
    return new ToolResult.Denied("not_found", "no task " + clip(task) + " is visible to you");
  }

  /** A task the cluster does not know (operator calls). */
  static ToolResult unknown(String taskId) {
    return new ToolResult.Denied("not_found", "no task " + (taskId == null ? "" : clip(taskId))
        + " is known to the cluster");
  }

  /**
   * Names the task an operation created or acted on as the audit resource {@code task:<id>}, so audit can
   * tell a task tree's whole story (a creation is recorded under the creator, not under the new task).
   */
  static ToolResult withSubject(ToolResult r, JsonObject args) {
    if (r instanceof ToolResult.Ok ok && ok.resource() == null && ok.value().getValue("task_id") instanceof String id) {
      return new ToolResult.Ok(ok.value(), "task:" + id);
    }
    if (r instanceof ToolResult.Denied d && d.resource() == null && args != null
        && args.getValue("task_id") instanceof String id && id.length() <= 32) {
      return new ToolResult.Denied(d.code(), d.message(), d.auditDetail(), "task:" + id);
    }
    return r;
  }

  /** Whether {@code s} is shaped like a task id (a 26-character ULID). */
  static boolean isTaskId(String s) {
    return s != null && s.length() == 26 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
  }

  private static String clip(String s) {
    return s.length() > 32 ? s.substring(0, 32) : s;
  }
}
