package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.cluster.WatermarkStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The task registry and watermarks as seen from an event loop: every call asynchronous (the registry never
 * blocks its caller), answers on the caller's context.
 */
final class TaskCluster {
  private final TaskRegistry registry;
  private final WatermarkStore watermarks;

  TaskCluster(TaskRegistry registry, WatermarkStore watermarks) {
    this.registry = registry;
    this.watermarks = watermarks;
  }

  TaskRegistry registry() {
    return registry;
  }

  WatermarkStore watermarks() {
    return watermarks;
  }

  /**
   * Runs a registry or watermark call on the caller's thread (each is asynchronous: no worker hop); its answer
   * arrives on {@code ctx}. A call that throws becomes a failed future.
   */
  <T> Future<T> call(Context ctx, Supplier<CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.fromCompletionStage(stage, ctx);
  }

  /** Runs a watermark raise; a call that throws becomes a failed future. */
  Future<RaiseResult> raise(Context ctx, Supplier<CompletionStage<RaiseResult>> call) {
    return call(ctx, call);
  }

  /**
   * The whole tree holding {@code taskId} (its record included even if the listing missed it), or empty: read from
   * the records' owners and a cluster query when it decides something ({@link Reads#DECISION}), from this node's
   * near cache and listing index when it is only shown ({@link Reads#DISPLAY}).
   */
  Future<Optional<TaskTree>> treeHolding(String taskId, Reads reads, Context ctx) {
    boolean display = reads == Reads.DISPLAY;
    return call(ctx, () -> display ? registry.getForDisplay(taskId) : registry.get(taskId)).compose(r -> {
      if (r.isEmpty()) {
        return Future.succeededFuture(Optional.<TaskTree>empty());
      }
      return listByRoot(r.get().rootId(), reads, ctx).map(list -> Optional.of(TaskTree.of(list).with(List.of(r.get()))));
    });
  }

  /** The tree rooted at {@code root}. */
  Future<List<TaskRecord>> listByRoot(String root, Reads reads, Context ctx) {
    return call(ctx, () -> reads == Reads.DISPLAY ? registry.listByRootForDisplay(root) : registry.listByRoot(root));
  }

  /** The tasks of {@code agent}, to be shown (listings are never a decision's input). */
  Future<List<TaskRecord>> listByAgentForDisplay(String agent, Context ctx) {
    return call(ctx, () -> registry.listByAgentForDisplay(agent));
  }

  /**
   * What a read is for. A record's tree links, agent and root never change once written, so a local copy that
   * lags can only miss a task created moments ago elsewhere — fine to show, never enough to act on (revoke,
   * reissue): those read the cluster.
   */
  enum Reads { DECISION, DISPLAY }
}
