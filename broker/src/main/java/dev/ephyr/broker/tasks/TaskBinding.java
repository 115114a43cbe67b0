package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tasks.Outcomes.denied;
import static dev.ephyr.broker.tasks.Outcomes.ok;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.BindResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.WatermarkStore;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenMinter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.OptionalLong;
import java.util.Set;

/** {@code task_bind}: binds a task once, cluster-wide, to the key of the request's DPoP proof. */
record TaskBinding(TokenMinter minter, TaskCluster cluster) {
  Future<ToolResult> bind(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id"));
    if (!(caller instanceof Caller.TaskToken t)) {
      return denied("token_required", "task_bind needs the task's own token and a DPoP proof signed by the key "
          + "to bind (the key's thumbprint becomes the holder)");
    }
    Principal p = t.principal();
    String task = p.actingTask().task();
    String asked = a.string("task_id", 32);
    if (asked != null && !asked.equals(task)) {
      return denied("not_your_task", "a token can bind only its own task " + task);
    }
    if (p.holder() != null) {
      return denied("already_bound", "task " + task + " is already bound");
    }
    String jkt = p.proofJkt();
    if (jkt == null) {
      return denied(Reason.POP_REQUIRED.code(), "task_bind needs a DPoP proof from the key to bind");
    }
    // The epoch the bind moves to is written with the holder, in one step (one record write on every member's
    // disk); the registry keeps it above the record's own epoch, this floor keeps it above the presented token's
    // and the watermark this node holds now.
    long watermark = cluster.watermarks().watermark(task);
    if (watermark >= WatermarkStore.REVOKED - 1) {
      return denied(Reason.REVOKED.code(), "task " + task + " was revoked");
    }
    long floor = Math.max(p.actingTask().epoch(), watermark) + 1;
    return cluster.call(ctx, () -> cluster.registry().bindOnce(task, jkt, floor)).compose(result -> {
      if (result instanceof BindResult.Bound bound) {
        return bound(p, bound.record(), ctx);
      }
      if (result instanceof BindResult.AlreadyBound already && jkt.equals(already.holderJkt())) {
        // The same key asks again: an earlier attempt bound the record but never answered (the cluster failed
        // before the new epoch was raised, or the answer was lost). The unbound copy it presents still passed
        // verification, so the new epoch is not in force yet: finish the bind.
        return cluster.call(ctx, () -> cluster.registry().get(task)).compose(r -> r.isEmpty()
            ? denied("not_found", "task " + task + " is not known to the cluster")
            : bindAtNewEpoch(p, r.get(), ctx));
      }
      if (result instanceof BindResult.AlreadyBound) {
        return denied("already_bound", "task " + task + " is already bound (binding happens once)");
      }
      if (result instanceof BindResult.DeadlinePassed) {
        return denied(Reason.BIND_EXPIRED.code(), "the bind deadline of task " + task + " has passed");
      }
      return denied("not_found", "task " + task + " is not known to the cluster");
    });
  }

  /**
   * Finishes a bind the registry accepted at its new epoch: mints the bound token at it and raises the watermark.
   * A watermark raised meanwhile to that epoch or above (a reissue racing the bind) is above a floor read before
   * the bind: then the epoch is chosen again from the watermark read now, after binding, and stored as before.
   */
  private Future<ToolResult> bound(Principal p, TaskRecord bound, Context ctx) {
    String task = p.actingTask().task();
    long epoch = bound.epoch();
    if (cluster.watermarks().watermark(task) >= epoch || epoch <= p.actingTask().epoch()) {
      return bindAtNewEpoch(p, bound, ctx);
    }
    String token;
    try {
      token = minter.bindAt(p, epoch);
    } catch (IllegalArgumentException e) {
      return denied("bind_refused", "bind refused: " + e.getMessage());
    }
    return raised(p, task, epoch, token, bound, ctx);
  }

  /**
   * Finishes a bind the registry accepted: the task moves to a new epoch, the bound token is minted at it and the
   * watermark is raised to it (acknowledged like a revoke), so every unbound copy of the token, and everything
   * delegated from one, is dead once this answers. Two-phase binds take the same path: their unbound copy could
   * only bind, and now cannot even do that.
   */
  private Future<ToolResult> bindAtNewEpoch(Principal p, TaskRecord bound, Context ctx) {
    TaskHop acting = p.actingTask();
    String task = acting.task();
    OptionalLong next = Epochs.next(acting, bound, cluster.watermarks().watermark(task));
    if (next.isEmpty()) {
      return denied(Reason.REVOKED.code(), "task " + task + " was revoked");
    }
    long epoch = next.getAsLong();
    String token;
    try {
      token = minter.bindAt(p, epoch);
    } catch (IllegalArgumentException e) {
      return denied("bind_refused", "bind refused: " + e.getMessage());
    }
    // The record first, so that task_info never sees the raised watermark above the record's epoch.
    TaskRecord updated = Epochs.withEpoch(bound, epoch);
    return cluster.call(ctx, () -> cluster.registry().put(updated))
        .compose(v -> raised(p, task, epoch, token, bound, ctx));
  }

  /** Raises the watermark to the bind's epoch (acknowledged like a revoke) and answers with the bound token. */
  private Future<ToolResult> raised(Principal p, String task, long epoch, String token, TaskRecord bound,
      Context ctx) {
    return cluster.raise(ctx, () -> cluster.watermarks().raise(task, epoch, bound.expiresAt()))
        .map(result -> ok(TaskJson.ack(new JsonObject().put("task_id", task).put("bound", true)
            .put("holder_jkt", p.proofJkt()).put("epoch", epoch).put("token", token).put("token_type", "macaroon"),
            result)));
  }
}
