package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nearcache.NearCacheStats;
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
 * and bind a holder key exactly once. Every method is asynchronous and safe on an event loop: queries (and
 * the first call, which creates the map proxy) run on the node's worker threads, never on the caller's.
 * {@link #getForDisplay} may answer from this node's near cache; {@link #get} always asks the record's owner.
 */
public final class TaskRegistry {

  static final String MAP_NAME = "ephyr.tasks";
  private static final ReadTaskRecord READ = new ReadTaskRecord();

  private final HazelcastInstance hz;
  private final Executor worker;
  private final Clock clock;
  private final Duration retention;
  private final AllMembers allMembers;
  private final StateStore state;
  private final boolean nearCached;
  private final TaskIndex index;
  private volatile IMap<String, TaskRecord> proxy;
  private volatile boolean indexFed;

  TaskRegistry(HazelcastInstance hz, ClusterConfig config, Executor worker, AllMembers allMembers, StateStore state) {
    this.hz = hz;
    this.worker = worker;
    this.clock = config.clock();
    this.retention = config.taskRetention();
    this.allMembers = allMembers;
    this.state = state;
    this.nearCached = config.taskCacheSize() > 0;
    this.index = new TaskIndex(config.taskIndexSize(), clock, retention.toMillis());
  }

  /**
   * Stores (or replaces) a record; it is kept until the task expires plus the task retention. Completes
   * once every live member (at least the quorum) has it on disk; fails with {@link ClusterUnavailableException}
   * otherwise.
   */
  public CompletionStage<Void> put(TaskRecord record) {
    Objects.requireNonNull(record, "record");
    String what = "put task " + record.taskId();
    long ttl = Math.max(1_000L, record.expiresAt().toEpochMilli() + retention.toMillis() - clock.millis());
    return guard(what, () -> {
      allMembers.requireWritable(what);
      return map().putAsync(record.taskId(), record, ttl, TimeUnit.MILLISECONDS)
          .thenCompose(previous -> allMembers.apply(PersistRecord.task(record), what))
          .thenApply(acks -> {
            index.upsert(record); // this node's own listings show its change at once; others' through the event
            return (Void) null;
          });
    });
  }

  /**
   * Stores a new task's record: completes once the cluster map has it and this member's state store has made
   * it durable (group-committed with other writes). The other members store it on their disks without being
   * waited for; should every node be killed before they did, this member's store still has it and the
   * cold-start exchange gives it back to all of them. Creating a task grants nothing that a lost record
   * could undo (the token verifies on its own), so it does not pay for an all-members round trip; binds,
   * reissues and revokes do ({@link #put}, {@link #bindOnce}).
   */
  public CompletionStage<Void> create(TaskRecord record) {
    Objects.requireNonNull(record, "record");
    String what = "create task " + record.taskId();
    long ttl = Math.max(1_000L, record.expiresAt().toEpochMilli() + retention.toMillis() - clock.millis());
    return guard(what, () -> {
      allMembers.requireWritable(what);
      CompletableFuture<?> local = state == null
          ? CompletableFuture.completedFuture(null) : state.mergeTask(record);
      return map().putAsync(record.taskId(), record, ttl, TimeUnit.MILLISECONDS).toCompletableFuture()
          .thenCombine(local, (previous, durable) -> (Void) null)
          .whenComplete((v, e) -> {
            if (e == null) {
              index.upsert(record);
              allMembers.sendToOthers(PersistRecord.task(record), what);
            }
          });
    });
  }

  /** Cold start: merges every record of this node's state store into the cluster map. Blocking; worker thread. */
  int pushFromStore() {
    if (state == null) {
      return 0;
    }
    long now = clock.millis();
    PushWindow window = new PushWindow();
    for (TaskRecord r : state.tasks()) {
      long ttl = r.expiresAt().toEpochMilli() + retention.toMillis() - now;
      if (ttl <= 0) {
        continue;
      }
      window.add(map().submitToKey(r.taskId(), new MergeTaskRecord(r, ttl)));
    }
    return window.finish();
  }

  /** Cold start: stores every record the cluster holds in this node's state store. Blocking; worker thread. */
  int pullIntoStore() {
    if (state == null) {
      return 0;
    }
    List<TaskRecord> all = new ArrayList<>(map().values());
    state.mergeTasks(all).join();
    return all.size();
  }

  /**
   * The record of {@code taskId} as its owner holds it now, if the cluster still holds it: for decisions
   * that read a record before writing it (bind, reissue), which must never act on a cached copy.
   */
  public CompletionStage<Optional<TaskRecord>> get(String taskId) {
    WatermarkStore.requireTaskId(taskId);
    return guard("get task " + taskId, () -> fromOwner(taskId).thenApply(Optional::ofNullable));
  }

  private CompletionStage<TaskRecord> fromOwner(String taskId) {
    // With a near cache a plain get may be answered locally; a read-only entry processor always runs on the owner.
    return nearCached ? map().submitToKey(taskId, READ) : map().getAsync(taskId);
  }

  /**
   * The record of {@code taskId} for display ({@code task_info}): from this node's near cache when it holds it,
   * so it may lag a change made through another node by the invalidation delay (normally under a millisecond,
   * at most {@code cluster.task-cache-ttl} should an invalidation be lost). Never for a decision.
   */
  public CompletionStage<Optional<TaskRecord>> getForDisplay(String taskId) {
    WatermarkStore.requireTaskId(taskId);
    return guard("get task " + taskId, () -> {
      CompletableFuture<TaskRecord> read = map().getAsync(taskId).toCompletableFuture();
      if (read.isDone() && !read.isCompletedExceptionally()) {
        // A near-cache hit, already answered: Hazelcast's own thenApply would still hop to its callback pool.
        return CompletableFuture.completedFuture(Optional.ofNullable(read.join()));
      }
      return read.thenApply(Optional::ofNullable);
    });
  }

  /** What this node's near cache of task records holds and served (all zero without a near cache). */
  public CacheStats cacheStats() {
    IMap<String, TaskRecord> m = proxy;
    NearCacheStats s = m == null || !nearCached ? null : m.getLocalMapStats().getNearCacheStats();
    return s == null ? new CacheStats(0, 0, 0, 0)
        : new CacheStats(s.getOwnedEntryCount(), s.getHits(), s.getMisses(), s.getInvalidations());
  }

  /**
   * This node's near cache of task records.
   *
   * @param entries records held now
   * @param hits reads answered from it
   * @param misses reads that went to the owner
   * @param invalidations entries dropped because the record changed
   */
  public record CacheStats(long entries, long hits, long misses, long invalidations) {}

  /**
   * Subscribes this node's listing index to the map's changes (once) and reloads it in full: on the first load,
   * after a merge and after membership changes, when events may have been missed. Blocking; worker thread.
   */
  void refreshIndex() {
    if (!index.enabled()) {
      return;
    }
    IMap<String, TaskRecord> m = map();
    if (!indexFed) {
      m.addEntryListener(new TaskIndexFeed(index), true); // before the read, so no change falls between
      indexFed = true;
    }
    long start = clock.millis();
    int size = m.size();
    index.load(size > index.capacity() ? List.of() : m.values(), size, start);
  }

  /**
   * The live records of an agent for display ({@code task_list}), oldest first: from this node's listing index when
   * it answers, so a task created or changed through another node may be missing or old for the event's delay;
   * otherwise a cluster query. Never for a decision.
   */
  public CompletionStage<List<TaskRecord>> listByAgentForDisplay(String agent) {
    Objects.requireNonNull(agent, "agent");
    Optional<List<TaskRecord>> local = index.byAgent(agent);
    return local.isPresent() ? CompletableFuture.completedFuture(local.get()) : listByAgent(agent);
  }

  /** The records of a tree for display, as {@link #listByAgentForDisplay}; never for a decision. */
  public CompletionStage<List<TaskRecord>> listByRootForDisplay(String rootId) {
    WatermarkStore.requireTaskId(rootId);
    Optional<List<TaskRecord>> local = index.byRoot(rootId);
    return local.isPresent() ? CompletableFuture.completedFuture(local.get()) : listByRoot(rootId);
  }

  /** What this node's listing index holds and answered. */
  public IndexStats indexStats() {
    return new IndexStats(index.complete(), index.size(), index.served());
  }

  /**
   * This node's listing index of task records.
   *
   * @param answering whether listings are answered from it now (loaded, and the records fit)
   * @param entries records held
   * @param served listings answered from it so far
   */
  public record IndexStats(boolean answering, int entries, long served) {}

  /** All live records of an agent, oldest first (a cluster query: every member answers for its partitions). */
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
    return bindOnce(taskId, holderJkt, 0);
  }

  /**
   * {@link #bindOnce(String, String)} that also moves the record to the bind's epoch in the same step: a {@link
   * BindResult.Bound} record's epoch is at least {@code epochFloor} and above the epoch the record had, so a bind
   * writes its record once (and once per member's disk) instead of binding and then storing the epoch. {@code
   * epochFloor} 0 leaves the epoch unchanged.
   */
  public CompletionStage<BindResult> bindOnce(String taskId, String holderJkt, long epochFloor) {
    WatermarkStore.requireTaskId(taskId);
    if (epochFloor < 0) {
      throw new IllegalArgumentException("epochFloor must not be negative, got " + epochFloor);
    }
    Objects.requireNonNull(holderJkt, "holderJkt");
    if (holderJkt.isEmpty() || holderJkt.length() > 128) {
      throw new IllegalArgumentException("holderJkt must be 1-128 characters");
    }
    BindHolder processor = new BindHolder(holderJkt, clock.millis(), epochFloor);
    String what = "bind task " + taskId;
    return guard(what, () -> {
      allMembers.requireWritable(what);
      return map().submitToKey(taskId, processor).thenCompose(reply -> {
        BindResult result = reply.toResult(taskId);
        if (result instanceof BindResult.Bound bound) {
          // Acknowledged only once the binding is on disk on every live member.
          return allMembers.apply(PersistRecord.task(bound.record()), what).thenApply(acks -> {
            index.upsert(bound.record());
            return result;
          });
        }
        if (result instanceof BindResult.AlreadyBound a && holderJkt.equals(a.holderJkt())) {
          // The same key again: a retry after a bind that was stored but not acknowledged. Make it durable
          // and answer as the first time (the caller proved possession of that key).
          return fromOwner(taskId).thenCompose(r -> r == null
              ? CompletableFuture.completedFuture((BindResult) new BindResult.NotFound(taskId))
              : allMembers.apply(PersistRecord.task(r), what).thenApply(acks -> (BindResult) new BindResult.Bound(r)));
        }
        return CompletableFuture.completedFuture(result);
      });
    });
  }

  /**
   * The map proxy, created on first use: creating it builds the map's indexes (quorum-protected, so it cannot
   * happen at startup on a node that is still alone) and registers the near cache's invalidation listener,
   * both blocking. Blocking; worker thread (or a caller that may block).
   */
  private IMap<String, TaskRecord> map() {
    IMap<String, TaskRecord> m = proxy;
    if (m == null) {
      m = hz.getMap(MAP_NAME);
      proxy = m;
    }
    return m;
  }

  private CompletionStage<List<TaskRecord>> query(String what, Predicate<String, TaskRecord> predicate) {
    // IMap has no asynchronous query: run it on the node's worker so the caller's thread never blocks.
    return guard(what, () -> CompletableFuture.supplyAsync(() -> {
      List<TaskRecord> out = new ArrayList<>(map().values(predicate));
      out.sort(Comparator.comparing(TaskRecord::createdAt).thenComparing(TaskRecord::taskId));
      return out;
    }, worker));
  }

  /**
   * Runs {@code call}, any failure (thrown or completed) reported as {@link ClusterUnavailableException}. The
   * first call of all runs on the worker: it creates the map proxy (blocking), and its first run's set-up (class
   * loading, linking) stays off the caller's thread too. Every later call runs on the caller's thread.
   */
  private <T> CompletionStage<T> guard(String what, java.util.function.Supplier<CompletionStage<T>> call) {
    if (proxy == null) {
      return now(what, () -> CompletableFuture.supplyAsync(this::map, worker).thenCompose(m -> now(what, call)));
    }
    return now(what, call);
  }

  private static <T> CompletionStage<T> now(String what, java.util.function.Supplier<CompletionStage<T>> call) {
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
