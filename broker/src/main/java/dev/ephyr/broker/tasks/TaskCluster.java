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

  /** The whole tree holding {@code taskId} (its record included even if the listing missed it), or empty. */
  Future<Optional<TaskTree>> treeHolding(String taskId, Context ctx) {
    return call(ctx, () -> registry.get(taskId)).compose(r -> {
      if (r.isEmpty()) {
        return Future.succeededFuture(Optional.<TaskTree>empty());
      }
      return call(ctx, () -> registry.listByRoot(r.get().rootId()))
          .map(list -> Optional.of(TaskTree.of(list).with(List.of(r.get()))));
    });
  }

  /** The tree rooted at {@code root}. */
  Future<List<TaskRecord>> listByRoot(String root, Context ctx) {
    return call(ctx, () -> registry.listByRoot(root));
  }

  /** The tasks of {@code agent}. */
  Future<List<TaskRecord>> listByAgent(String agent, Context ctx) {
    return call(ctx, () -> registry.listByAgent(agent));
  }
}
