package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.TaskRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Which tasks an agent caller may see and act on: a task token sees its own subtree; an API key sees its
 * agent's tasks and every task in trees its agent rooted.
 */
record Visibility(TaskCluster cluster) {
  /**
   * The tree holding {@code target} if {@code caller} may see {@code target}, else empty. A display read may miss
   * a task created through another node moments ago (then: not visible yet), never show one the caller may not see.
   */
  Future<Optional<TaskTree>> treeFor(Caller caller, String target, TaskCluster.Reads reads, Context ctx) {
    if (caller instanceof Caller.TaskToken t) {
      String acting = t.task();
      return cluster.listByRoot(t.principal().rootTask(), reads, ctx).map(list -> {
        TaskTree tree = TaskTree.of(list);
        return tree.contains(target) && tree.inSubtree(target, acting) ? Optional.of(tree) : Optional.empty();
      });
    }
    if (target.length() != 26) {
      return Future.succeededFuture(Optional.empty());
    }
    return cluster.treeHolding(target, reads, ctx).map(found -> found.filter(tree -> {
      TaskRecord r = tree.get(target);
      TaskRecord root = tree.get(r.rootId());
      return r.agent().equals(caller.agent()) || (root != null && root.agent().equals(caller.agent()));
    }));
  }

  /**
   * The record of {@code target} if {@code caller} may act on it, decided with point reads only (no query of
   * the tree), or empty; {@code null} when only the tree can tell (a task token acting on another task of its
   * tree: whether that one lies below the token's own needs the tree's parent links). The stage completes on a
   * cluster thread: a caller that goes on with more cluster calls does so without a hop through its event loop.
   */
  CompletionStage<Optional<TaskRecord>> recordFor(Caller caller, String target) {
    TaskRegistry registry = cluster.registry();
    if (caller instanceof Caller.TaskToken t) {
      if (!target.equals(t.task())) {
        return null;
      }
      String root = t.principal().rootTask();
      return registry.get(target).thenApply(found -> found.filter(r -> r.rootId().equals(root)));
    }
    if (target.length() != 26) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return registry.get(target).thenCompose(found -> {
      if (found.isEmpty() || found.get().agent().equals(caller.agent())) {
        return CompletableFuture.completedFuture(found);
      }
      TaskRecord r = found.get();
      if (r.rootId().equals(r.taskId())) {
        return CompletableFuture.completedFuture(Optional.<TaskRecord>empty());
      }
      // Someone else's task in a tree the caller's agent rooted (same rule as treeFor).
      return registry.get(r.rootId())
          .thenApply(root -> root.isPresent() && root.get().agent().equals(caller.agent()) ? found : Optional.empty());
    });
  }

  /** The task named by {@code task_id}, defaulting to the caller's own task; {@code null} if neither. */
  static String target(Caller caller, Args a) {
    String id = a.string("task_id", 32);
    return id != null ? id : caller.task();
  }
}
