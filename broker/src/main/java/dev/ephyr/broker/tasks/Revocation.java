package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tasks.Outcomes.bad;
import static dev.ephyr.broker.tasks.Outcomes.denied;
import static dev.ephyr.broker.tasks.Outcomes.ok;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.broker.metrics.Family;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code task_revoke} and {@code task_reissue}: both raise a task's watermark and answer once the members
 * acknowledged it, so an older token (the revoked subtree, or every copy the reissue replaces) is dead everywhere.
 */
record Revocation(Vertx vertx, TaskCluster cluster, Visibility visibility, Subjects subjects, TokenMinter minter,
    Clock clock, Supplier<Duration> longestTtl, Family<Timer> revokeTimes) {
  /**
   * Longest an acknowledged revoke's answer waits for {@code cascade_count} when it does not come from the index
   * (a cluster query beside the raise, which normally ends first): past it, the answer goes without the count.
   */
  static final Duration CASCADE_WAIT = Duration.ofSeconds(1);

  Future<ToolResult> revoke(Caller caller, JsonObject raw, Context ctx) {
    String target = Visibility.target(caller, Args.of(raw, Set.of("task_id")));
    if (target == null) {
      return bad("task_id is required");
    }
    CompletionStage<Optional<TaskRecord>> direct;
    try {
      direct = visibility.recordFor(caller, target);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (direct == null) {
      return visibility.treeFor(caller, target, TaskCluster.Reads.DECISION, ctx).compose(tree -> tree.isEmpty()
          ? Future.succeededFuture(Outcomes.notVisible(target)) : revokeIn(tree.get(), target, ctx));
    }
    // Authorised by point reads, and the raise chained to them on the cluster's threads: the event loop (shared
    // with request traffic) is passed once, for the reply, not between the read and the raise. The tree is only
    // for cascade_count: a display read (this node's listing index; a cluster query when the index is off)
    // beside the raise, never a decision's input.
    long start = System.nanoTime();
    CompletableFuture<List<TaskRecord>> tree = new CompletableFuture<>();
    CompletionStage<Raised> raised = direct.thenCompose(found -> {
      if (found.isEmpty()) {
        tree.complete(List.of());
        return CompletableFuture.completedFuture(null);
      }
      TaskRecord r = found.get();
      listForDisplay(r.rootId(), tree);
      return cluster.watermarks().revoke(target, r.expiresAt()).thenApply(result -> new Raised(r, result));
    });
    return Future.fromCompletionStage(raised, ctx).compose(done -> {
      if (done == null) {
        return Future.succeededFuture(Outcomes.notVisible(target));
      }
      revoked(target, start);
      Future<Integer> cascade = Future.fromCompletionStage(tree, ctx)
          .map(list -> TaskTree.of(list).with(List.of(done.record())).descendants(target))
          .timeout(CASCADE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return reply(target, done.result(), cascade);
    }, e -> {
      revokeTimes.get("failed").record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      // A failure inside the chain arrives wrapped; the cause (e.g. ClusterUnavailableException) picks the status.
      return Future.failedFuture(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
    });
  }

  /** A revoke acknowledged: the record it acted on and the acknowledgement. */
  private record Raised(TaskRecord record, RaiseResult result) {}

  /**
   * Lists the tree under {@code root} for display into {@code into}; a listing that cannot start fails {@code into}.
   * The count it gives may miss a task created through another node moments ago: revocation reaches the subtree
   * through the tokens' lineage, not through this list.
   */
  private void listForDisplay(String root, CompletableFuture<List<TaskRecord>> into) {
    try {
      cluster.registry().listByRootForDisplay(root).whenComplete((list, e) -> {
        if (e != null) {
          into.completeExceptionally(e);
        } else {
          into.complete(list);
        }
      });
    } catch (RuntimeException e) {
      into.completeExceptionally(e);
    }
  }

  /** Revokes {@code target} of {@code tree} (already authorised), acknowledged, and tells every node. */
  Future<ToolResult> revokeIn(TaskTree tree, String target, Context ctx) {
    return acknowledged(tree.get(target), Future.succeededFuture(tree.descendants(target)), ctx);
  }

  /** Raises {@code r}'s watermark to revoked and answers once acknowledged. */
  private Future<ToolResult> acknowledged(TaskRecord r, Future<Integer> cascade, Context ctx) {
    String target = r.taskId();
    long start = System.nanoTime();
    return cluster.raise(ctx, () -> cluster.watermarks().revoke(target, r.expiresAt()))
        .onFailure(e -> revokeTimes.get("failed").record(System.nanoTime() - start, TimeUnit.NANOSECONDS))
        .compose(result -> {
          revoked(target, start);
          return reply(target, result, cascade);
        });
  }

  /** Records an acknowledged revoke and tells every node (their MCP sessions of the subtree close). */
  private void revoked(String target, long start) {
    revokeTimes.get("acknowledged").record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    // The bare task id: a JSON body would be encoded here and decoded again by every consumer on every node.
    vertx.eventBus().publish(Addresses.TASKS_REVOKED, target);
  }

  /**
   * The acknowledged revoke's answer. {@code cascade} (the revoked subtree's size, display only) never holds the
   * revoke back: if it cannot be read, the answer goes without it.
   */
  private static Future<ToolResult> reply(String target, RaiseResult result, Future<Integer> cascade) {
    return cascade.<Integer>transform(c -> Future.succeededFuture(c.succeeded() ? c.result() : null)).map(count -> {
      JsonObject o = new JsonObject().put("task_id", target).put("revoked", true);
      if (count != null) {
        o.put("cascade_count", count);
      }
      return ok(TaskJson.ack(o, result));
    });
  }

  Future<ToolResult> reissue(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id", "token"));
    String asked = a.string("task_id", 32);
    return subjects.of(caller, a.string("token", Subjects.MAX_TOKEN), ctx).compose(s -> {
      if (s instanceof Subjects.Subject.Refused r) {
        return Future.succeededFuture(r.result());
      }
      return reissueOf(((Subjects.Subject.Acting) s).principal(), asked, ctx);
    });
  }

  /**
   * Mints {@code p}'s task a token at the next epoch and raises its watermark (acknowledged). The watermark is
   * kept as long as any copy of the task's token can live: the registry's expiry, never the presented token's,
   * whose {@code expires} a holder may have shortened.
   */
  Future<ToolResult> reissueOf(Principal p, String asked, Context ctx) {
    TaskHop acting = p.actingTask();
    String task = acting.task();
    if (asked != null && !asked.equals(task)) {
      return denied("not_your_task", "a reissue acts on the token's own task " + task);
    }
    return cluster.call(ctx, () -> cluster.registry().get(task)).compose(found -> {
      TaskRecord r = found.orElse(null);
      if (r != null && r.holderJkt() != null && acting.holder() == null) {
        return denied("task_bound", boundMessage(task));
      }
      OptionalLong next = Epochs.next(acting, r, cluster.watermarks().watermark(task));
      if (next.isEmpty()) {
        return denied(Reason.REVOKED.code(), "task " + task + " was revoked");
      }
      long epoch = next.getAsLong();
      String token;
      try {
        token = minter.reissue(p, epoch);
      } catch (IllegalArgumentException e) {
        return denied("reissue_refused", "reissue refused: " + e.getMessage());
      }
      Instant keep = r != null ? r.expiresAt() : longestLifetime(p);
      return cluster.raise(ctx, () -> cluster.watermarks().raise(task, epoch, keep))
          .compose(result -> recordEpoch(task, epoch, acting, ctx).map(kept -> kept
              ? ok(TaskJson.ack(new JsonObject().put("task_id", task).put("epoch", epoch).put("token", token)
                  .put("token_type", "macaroon"), result))
              : new ToolResult.Denied("task_bound", boundMessage(task))));
    });
  }

  /**
   * Without a record (expired past its retention, or lost) nothing says how long the task's copies live: keep
   * the watermark for the longest any token may live, the largest maximum TTL this node has had in force from now
   * (or the presented copy's expiry if that is later, after the maximum was lowered by a restart; it can only
   * lengthen what is kept).
   */
  private Instant longestLifetime(Principal p) {
    Instant longest = clock.instant().plus(longestTtl.get());
    Instant presented = Instant.ofEpochSecond(p.envelope().expiresAt());
    return presented.isAfter(longest) ? presented : longest;
  }

  /**
   * Writes the reissue's epoch into the record. The record is read again just before (a put replaces it whole):
   * if a bind won a race meanwhile, its holder is kept and the unbound reissue is not handed out ({@code false}).
   * The bind's epoch is above this one, since it reads the watermark after binding.
   */
  private Future<Boolean> recordEpoch(String task, long epoch, TaskHop acting, Context ctx) {
    return cluster.call(ctx, () -> cluster.registry().get(task)).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(true);
      }
      TaskRecord cur = found.get();
      if (cur.holderJkt() != null && acting.holder() == null) {
        return Future.succeededFuture(false);
      }
      return cluster.call(ctx, () -> cluster.registry().put(Epochs.withEpoch(cur, epoch))).map(v -> true);
    });
  }

  private static String boundMessage(String task) {
    return "task " + task + " is bound to a holder key, so its unbound copies are dead; reissue with the bound "
        + "token and a DPoP proof from its key";
  }
}
