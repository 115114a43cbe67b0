package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tasks.Outcomes.bad;
import static dev.ephyr.broker.tasks.Outcomes.ok;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.TaskRecord;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/** The read views: {@code task_info}, {@code task_list}, and the operator's task, tree and listing views. */
record TaskViews(TaskCluster cluster, Visibility visibility, Clock clock, IntSupplier listLimit) {
  Future<ToolResult> info(Caller caller, JsonObject raw, Context ctx) {
    String target = Visibility.target(caller, Args.of(raw, Set.of("task_id")));
    if (target == null) {
      return bad("task_id is required");
    }
    if (caller instanceof Caller.TaskToken t && target.equals(caller.task())) {
      // A token asking about its own task (the common case) needs one record, not a cluster-wide tree query:
      // the token was verified against every hop's watermark moments ago, so only the task's own state is news.
      return ownRecord(target, t.principal().actingTask().epoch(), ctx).map(r -> r.isEmpty()
          ? Outcomes.notVisible(target) : ok(json(r.get(), TaskTree.of(List.of(r.get())), clock.millis())));
    }
    return visibility.treeFor(caller, target, TaskCluster.Reads.DISPLAY, ctx).map(tree -> tree.isEmpty()
        ? Outcomes.notVisible(target)
        : ok(json(tree.get().get(target), tree.get(), clock.millis())));
  }

  /**
   * The record of a token's own task, from this node's near cache when that copy is current enough: a copy
   * older than the presented token or than this node's watermark for the task missed a bind or reissue whose
   * invalidation has not arrived yet (it would show the caller an old epoch, or as revoked), so the owner is asked.
   */
  private Future<Optional<TaskRecord>> ownRecord(String task, long tokenEpoch, Context ctx) {
    return cluster.call(ctx, () -> cluster.registry().getForDisplay(task)).compose(r -> {
      long seen = Math.max(tokenEpoch, cluster.watermarks().watermark(task));
      if (r.isPresent() && r.get().epoch() >= seen) {
        return Future.succeededFuture(r);
      }
      return cluster.call(ctx, () -> cluster.registry().get(task));
    });
  }

  Future<ToolResult> list(Caller caller, JsonObject raw, Context ctx) {
    boolean inactive = Args.of(raw, Set.of("include_inactive")).bool("include_inactive", false);
    String acting = caller.task();
    Future<List<TaskRecord>> records = caller instanceof Caller.TaskToken t
        ? cluster.listByRoot(t.principal().rootTask(), TaskCluster.Reads.DISPLAY, ctx)
        : cluster.listByAgentForDisplay(caller.agent(), ctx);
    return records.map(list -> {
      TaskTree tree = TaskTree.of(list);
      List<TaskRecord> mine = acting == null ? list
          : list.stream().filter(r -> tree.inSubtree(r.taskId(), acting)).toList();
      return listing(mine, tree, inactive ? s -> true : TaskStatus::live);
    });
  }

  /** One task with its status and lineage (root first), for an operator. */
  ToolResult operatorTask(TaskTree tree, String taskId) {
    return ok(json(tree.get(taskId), tree, clock.millis()).put("lineage", new JsonArray(tree.lineage(taskId))));
  }

  /** The whole tree holding {@code taskId}, oldest first, each with its status, for an operator. */
  ToolResult operatorTree(TaskTree tree, String taskId) {
    long now = clock.millis();
    List<TaskRecord> all = new ArrayList<>(tree.records());
    all.sort(Comparator.comparing(TaskRecord::createdAt).thenComparing(TaskRecord::taskId));
    JsonArray out = new JsonArray();
    for (TaskRecord r : all) {
      out.add(json(r, tree, now));
    }
    return ok(new JsonObject().put("task_id", taskId).put("root_id", tree.get(taskId).rootId())
        .put("lineage", new JsonArray(tree.lineage(taskId))).put("tasks", out).put("count", out.size()));
  }

  /** {@code list} (in its order) as far as {@code keep} admits, each shown with its status, at most the list limit. */
  ToolResult listing(List<TaskRecord> list, TaskTree tree, Predicate<TaskStatus> keep) {
    long now = clock.millis();
    int limit = listLimit.getAsInt();
    JsonArray out = new JsonArray();
    boolean truncated = false;
    for (TaskRecord r : list) {
      TaskStatus st = status(r, tree, now);
      if (!keep.test(st)) {
        continue;
      }
      if (out.size() >= limit) {
        truncated = true;
        break;
      }
      out.add(TaskJson.record(r, st, now));
    }
    return ok(new JsonObject().put("tasks", out).put("count", out.size()).put("truncated", truncated));
  }

  private JsonObject json(TaskRecord r, TaskTree tree, long now) {
    return TaskJson.record(r, status(r, tree, now), now);
  }

  private TaskStatus status(TaskRecord r, TaskTree tree, long now) {
    return TaskStatus.of(r, tree, cluster.watermarks()::watermark, now);
  }
}
