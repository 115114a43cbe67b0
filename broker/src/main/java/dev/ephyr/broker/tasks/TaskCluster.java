package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.cluster.WatermarkStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The task registry and watermarks as seen from an event loop: every call asynchronous, answers on the caller's context. */
final class TaskCluster {
  private final Vertx vertx;
  private final TaskRegistry registry;
  private final WatermarkStore watermarks;

  TaskCluster(Vertx vertx, TaskRegistry registry, WatermarkStore watermarks) {
    this.vertx = vertx;
    this.registry = registry;
    this.watermarks = watermarks;
  }

  TaskRegistry registry() {
    return registry;
  }

  WatermarkStore watermarks() {
    return watermarks;
  }

  /** Runs a registry call; its answer arrives on {@code ctx}. */
  <T> Future<T> call(Context ctx, Supplier<CompletionStage<T>> call) {
    // Registry calls may create a map proxy on first use (a blocking, quorum-protected operation), so the
    // call itself is made on a worker; the answer hops back to the caller's context.
    return vertx.<CompletionStage<T>>executeBlocking(call::get, false)
        .compose(stage -> Future.fromCompletionStage(stage, ctx));
  }

  /** Runs a watermark raise (already asynchronous); a call that throws becomes a failed future. */
  Future<RaiseResult> raise(Context ctx, Supplier<CompletionStage<RaiseResult>> call) {
    CompletionStage<RaiseResult> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.fromCompletionStage(stage, ctx);
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
