package dev.ephyr.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MultiExecutionCallback;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ephyr.protocol.verify.WatermarkLookup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Replicated revocation watermarks: a Hazelcast map written only through a monotonic entry processor,
 * read through this node's local mirror. {@link #watermark} and {@link #available} never block and
 * never touch the network; {@link #raise} is asynchronous and acknowledged by every member.
 */
public final class WatermarkStore implements WatermarkLookup {

  static final String MAP_NAME = "ephyr.watermarks";
  static final String ACK_EXECUTOR = "ephyr.watermark-ack";
  static final int MAX_TASK_ID_LENGTH = 128;

  private final HazelcastInstance hz;
  private final IMap<String, Watermark> map;
  private final IExecutorService ackExecutor;
  private final WatermarkMirror mirror;
  private final NodeHealth health;
  private final ScheduledExecutorService scheduler;
  private final Function<Member, String> nodeIdOf;
  private final Clock clock;
  private final Duration retention;
  private final Duration ackTimeout;

  WatermarkStore(HazelcastInstance hz, ClusterConfig config, WatermarkMirror mirror, NodeHealth health,
      ScheduledExecutorService scheduler, Function<Member, String> nodeIdOf) {
    this.hz = hz;
    this.map = hz.getMap(MAP_NAME);
    this.ackExecutor = hz.getExecutorService(ACK_EXECUTOR);
    this.mirror = mirror;
    this.health = health;
    this.scheduler = scheduler;
    this.nodeIdOf = nodeIdOf;
    this.clock = config.clock();
    this.retention = config.watermarkRetention();
    this.ackTimeout = config.ackTimeout();
  }

  /** Subscribes the mirror to map changes; must run before the first full load so nothing falls between. */
  void subscribe() {
    map.addEntryListener(new MirrorFeed(mirror), true);
  }

  /** Blocking full load of the map into the mirror (startup, after merges and pauses, anti-entropy). */
  void loadAll() {
    for (Map.Entry<String, Watermark> e : map.entrySet()) {
      mirror.raise(e.getKey(), e.getValue());
    }
  }

  /** Forgets mirror entries of tasks that expired more than the retention ago. */
  int prune() {
    return mirror.prune(clock.millis() - retention.toMillis());
  }

  @Override
  public long watermark(String taskId) {
    return mirror.floor(taskId);
  }

  @Override
  public boolean available() {
    return health.available();
  }

  /** Number of watermarks held by this node's mirror (for status and tests). */
  public int mirrorSize() {
    return mirror.size();
  }

  /** Revokes a task outright: raises its watermark to {@link #REVOKED}. */
  public CompletionStage<RaiseResult> revoke(String taskId, Instant taskExpiresAt) {
    return raise(taskId, REVOKED, taskExpiresAt);
  }

  /**
   * Raises {@code taskId}'s watermark to at least {@code floor} in the cluster map, then waits until
   * every current member has applied the stored value to its mirror, or the acknowledgement timeout.
   *
   * @param taskExpiresAt when the task stops being valid; the entry is kept until then plus the
   *     configured watermark retention
   * @return completes on a Hazelcast or scheduler thread (hop back to your event loop yourself); fails
   *     with {@link ClusterUnavailableException} when the map cannot be written (e.g. below quorum)
   */
  public CompletionStage<RaiseResult> raise(String taskId, long floor, Instant taskExpiresAt) {
    requireTaskId(taskId);
    Objects.requireNonNull(taskExpiresAt, "taskExpiresAt");
    if (floor < 1) {
      throw new IllegalArgumentException("floor must be at least 1, got " + floor);
    }
    long expires = taskExpiresAt.toEpochMilli();
    long ttl = Math.max(1_000L, expires + retention.toMillis() - clock.millis());
    CompletionStage<Watermark> stored;
    try {
      stored = map.submitToKey(taskId, new RaiseWatermark(floor, expires, ttl));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unavailable("raise " + taskId, e));
    }
    return stored
        .handle((w, e) -> {
          if (e != null) {
            throw unavailable("raise " + taskId, e);
          }
          mirror.raise(taskId, w); // read-your-writes on this node even before the broadcast arrives
          return w;
        })
        .thenCompose(w -> acknowledge(taskId, w));
  }

  private CompletionStage<RaiseResult> acknowledge(String taskId, Watermark w) {
    Set<Member> members = hz.getCluster().getMembers();
    Set<Member> acked = ConcurrentHashMap.newKeySet();
    CompletableFuture<RaiseResult> done = new CompletableFuture<>();
    Runnable finish = () -> done.complete(result(taskId, w, members, acked));
    ScheduledFuture<?> timer = scheduler.schedule(finish, ackTimeout.toNanos(), TimeUnit.NANOSECONDS);
    done.whenComplete((r, e) -> timer.cancel(false));
    try {
      ackExecutor.submitToMembers(new ApplyToMirror(taskId, w), members, new MultiExecutionCallback() {
        @Override
        public void onResponse(Member member, Object value) {
          if (Boolean.TRUE.equals(value)) {
            acked.add(member);
            if (acked.containsAll(members)) {
              finish.run();
            }
          }
        }

        @Override
        public void onComplete(Map<Member, Object> values) {
          finish.run();
        }
      });
    } catch (RuntimeException e) {
      finish.run(); // nobody acknowledged; the value is stored all the same
    }
    return done;
  }

  private RaiseResult result(String taskId, Watermark w, Set<Member> members, Set<Member> acked) {
    List<String> yes = new ArrayList<>();
    List<String> no = new ArrayList<>();
    for (Member m : members) {
      (acked.contains(m) ? yes : no).add(nodeIdOf.apply(m));
    }
    return new RaiseResult(taskId, w.floor(), yes, no);
  }

  static void requireTaskId(String taskId) {
    Objects.requireNonNull(taskId, "taskId");
    if (taskId.isEmpty() || taskId.length() > MAX_TASK_ID_LENGTH) {
      throw new IllegalArgumentException("taskId must be 1-" + MAX_TASK_ID_LENGTH + " characters");
    }
  }

  static RuntimeException unavailable(String what, Throwable cause) {
    Throwable root = cause;
    while (root instanceof java.util.concurrent.CompletionException && root.getCause() != null) {
      root = root.getCause();
    }
    if (root instanceof ClusterUnavailableException) {
      return (ClusterUnavailableException) root;
    }
    return new ClusterUnavailableException(what + " failed: " + root);
  }

  /** Feeds every map change into the mirror (which ignores anything that would lower a watermark). */
  private static final class MirrorFeed implements EntryAddedListener<String, Watermark>,
      EntryUpdatedListener<String, Watermark>, EntryMergedListener<String, Watermark> {
    private final WatermarkMirror mirror;

    MirrorFeed(WatermarkMirror mirror) {
      this.mirror = mirror;
    }

    @Override
    public void entryAdded(EntryEvent<String, Watermark> event) {
      mirror.raise(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, Watermark> event) {
      mirror.raise(event.getKey(), event.getValue());
    }

    @Override
    public void entryMerged(EntryEvent<String, Watermark> event) {
      mirror.raise(event.getKey(), event.getValue());
    }
  }
}
