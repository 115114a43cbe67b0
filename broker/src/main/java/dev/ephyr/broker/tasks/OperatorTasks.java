package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tasks.Outcomes.bad;

import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.cluster.TaskRecord;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The task operations of the admin API. The admin verticle has checked the operator's credential; these skip
 * the caller-visibility rules only, every other rule (acknowledged revoke, reissue through the verifier) holds.
 */
record OperatorTasks(TaskCluster cluster, TaskViews views, Revocation revocation, Subjects subjects) {
  /** Most trees a listing by agent reads to show its tasks' ancestors' status. */
  private static final int MAX_TREES = 64;

  Future<ToolResult> revoke(String taskId, Context ctx) {
    return tree(taskId, TaskCluster.Reads.DECISION, ctx).compose(tree -> tree.isEmpty()
        ? Future.succeededFuture(Outcomes.unknown(taskId))
        : revocation.revokeIn(tree.get(), taskId, ctx))
        .map(r -> Outcomes.withSubject(r, new JsonObject().put("task_id", taskId)));
  }

  Future<ToolResult> reissue(String token, Context ctx) {
    if (token == null || token.isEmpty() || token.length() > Subjects.MAX_TOKEN) {
      return bad("token is required (at most " + Subjects.MAX_TOKEN + " characters)");
    }
    if (!cluster.watermarks().available()) {
      return Future.failedFuture(new ClusterUnavailableException("node is not ready"));
    }
    return subjects.check(token, ctx).compose(v -> v instanceof Subjects.Checked.Refused r
        ? Future.succeededFuture(r.result())
        : revocation.reissueOf(((Subjects.Checked.Valid) v).principal(), null, ctx))
        .map(r -> Outcomes.withSubject(r, null));
  }

  Future<ToolResult> task(String taskId, Context ctx) {
    return tree(taskId, TaskCluster.Reads.DISPLAY, ctx).map(tree -> tree.isEmpty() ? Outcomes.unknown(taskId)
        : views.operatorTask(tree.get(), taskId));
  }

  Future<ToolResult> wholeTree(String taskId, Context ctx) {
    return tree(taskId, TaskCluster.Reads.DISPLAY, ctx).map(tree -> tree.isEmpty() ? Outcomes.unknown(taskId)
        : views.operatorTree(tree.get(), taskId));
  }

  Future<ToolResult> list(String agent, String root, StatusFilter filter, Context ctx) {
    if ((agent == null) == (root == null)) {
      return bad("give exactly one of agent or root");
    }
    if (root != null && !Outcomes.isTaskId(root)) {
      return bad("root must be a task id (26-character ULID)");
    }
    if (agent != null && (agent.isEmpty() || agent.length() > MintingRules.MAX_NAME)) {
      return bad("agent must be 1-" + MintingRules.MAX_NAME + " characters");
    }
    Future<List<TaskRecord>> records = root != null ? cluster.listByRoot(root, TaskCluster.Reads.DISPLAY, ctx)
        : cluster.listByAgentForDisplay(agent, ctx);
    return records.compose(list -> {
      // Status walks ancestors, which may sit in other trees' listings: index whole trees.
      Set<String> roots = new LinkedHashSet<>();
      for (TaskRecord r : list) {
        roots.add(r.rootId());
      }
      List<Future<List<TaskRecord>>> trees = new ArrayList<>();
      for (String rt : roots) {
        trees.add(root != null ? Future.succeededFuture(list) : cluster.listByRoot(rt, TaskCluster.Reads.DISPLAY, ctx));
        if (trees.size() >= MAX_TREES) {
          break; // bounded fan-out; tasks of further trees still list, their ancestors' status from the agent list
        }
      }
      return Future.all(trees).map(all -> {
        List<TaskRecord> known = new ArrayList<>(list);
        for (int i = 0; i < trees.size(); i++) {
          known.addAll(all.<List<TaskRecord>>resultAt(i));
        }
        return views.listing(list, TaskTree.of(known), filter::admits);
      });
    });
  }

  /** The tree holding {@code taskId}, or empty when no such task is known. */
  private Future<Optional<TaskTree>> tree(String taskId, TaskCluster.Reads reads, Context ctx) {
    if (!Outcomes.isTaskId(taskId)) {
      return Future.succeededFuture(Optional.empty());
    }
    return cluster.treeHolding(taskId, reads, ctx);
  }
}
