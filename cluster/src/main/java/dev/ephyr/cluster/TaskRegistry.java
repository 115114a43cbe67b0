package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Cluster-wide task records (no secrets) with a per-entry TTL: create, look up, list by agent or root,
 * and bind a holder key exactly once. Every method is asynchronous; queries run on the node's worker
 * threads, never on the caller's.
 */
public final class TaskRegistry {

  static final String MAP_NAME = "ephyr.tasks";

  private final HazelcastInstance hz;
  private final Executor worker;
  private final Clock clock;
  private final Duration retention;

  TaskRegistry(HazelcastInstance hz, ClusterConfig config, Executor worker) {
    this.hz = hz;
    this.worker = worker;
    this.clock = config.clock();
    this.retention = config.taskRetention();
  }

  /** Stores (or replaces) a record; it is kept until the task expires plus the task retention. */
  public CompletionStage<Void> put(TaskRecord record) {
    Objects.requireNonNull(record, "record");
    long ttl = Math.max(1_000L, record.expiresAt().toEpochMilli() + retention.toMillis() - clock.millis());
    return guard("put task " + record.taskId(),
        () -> map().putAsync(record.taskId(), record, ttl, TimeUnit.MILLISECONDS).thenApply(previous -> null));
  }

  /** The record of {@code taskId}, if the cluster still holds it. */
  public CompletionStage<Optional<TaskRecord>> get(String taskId) {
    WatermarkStore.requireTaskId(taskId);
    return guard("get task " + taskId, () -> map().getAsync(taskId).thenApply(Optional::ofNullable));
  }

  /** All live records of an agent, oldest first. */
  public CompletionStage<List<TaskRecord>> listByAgent(String agent) {
    Objects.requireNonNull(agent, "agent");
    return query("list tasks of agent", Predicates.equal("agent", agent));
  }

  /** All live records of the tree under {@code rootId} (the root included), oldest first. */
  public CompletionStage<List<TaskRecord>> listByRoot(String rootId) {
    WatermarkStore.requireTaskId(rootId);
    return query("list tasks of root", Predicates.equal("rootId", rootId));
  }

  /**
   * Binds {@code holderJkt} to the task once, cluster-wide: of racing calls exactly one gets {@link
   * BindResult.Bound}; later calls get {@link BindResult.AlreadyBound}.
   */
  public CompletionStage<BindResult> bindOnce(String taskId, String holderJkt) {
    WatermarkStore.requireTaskId(taskId);
    Objects.requireNonNull(holderJkt, "holderJkt");
    if (holderJkt.isEmpty() || holderJkt.length() > 128) {
      throw new IllegalArgumentException("holderJkt must be 1-128 characters");
    }
    BindHolder processor = new BindHolder(holderJkt, clock.millis());
    return guard("bind task " + taskId,
        () -> map().submitToKey(taskId, processor).thenApply(reply -> reply.toResult(taskId)));
  }

  /**
   * Looked up per call: creating the proxy builds the map's indexes, which is quorum-protected, so it
   * cannot happen at startup on a node that is still alone.
   */
  private IMap<String, TaskRecord> map() {
    return hz.getMap(MAP_NAME);
  }

  private CompletionStage<List<TaskRecord>> query(String what, Predicate<String, TaskRecord> predicate) {
    // IMap has no asynchronous query: run it on the node's worker so the caller's thread never blocks.
    return guard(what, () -> CompletableFuture.supplyAsync(() -> {
      List<TaskRecord> out = new ArrayList<>(map().values(predicate));
      out.sort(Comparator.comparing(TaskRecord::createdAt).thenComparing(TaskRecord::taskId));
      return out;
    }, worker));
  }

  private static <T> CompletionStage<T> guard(String what, java.util.function.Supplier<CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(WatermarkStore.unavailable(what, e));
    }
    return stage.handle((v, e) -> {
      if (e != null) {
        throw WatermarkStore.unavailable(what, e);
      }
      return v;
    });
  }
}
