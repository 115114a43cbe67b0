package dev.ephyr.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ephyr.protocol.verify.WatermarkLookup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
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
  private final WatermarkMirror mirror;
  private final NodeHealth health;
  private final ScheduledExecutorService scheduler;
  private final Function<Member, String> nodeIdOf;
  private final Clock clock;
  private final Duration retention;
  private final AllMembers allMembers;
  private final StateStore state;

  WatermarkStore(HazelcastInstance hz, ClusterConfig config, WatermarkMirror mirror, NodeHealth health,
      ScheduledExecutorService scheduler, Function<Member, String> nodeIdOf, AllMembers allMembers, StateStore state) {
    this.hz = hz;
    this.map = hz.getMap(MAP_NAME);
    this.mirror = mirror;
    this.health = health;
    this.scheduler = scheduler;
    this.nodeIdOf = nodeIdOf;
    this.clock = config.clock();
    this.retention = config.watermarkRetention();
    this.allMembers = allMembers;
    this.state = state;
  }

  /** Subscribes the mirror to map changes; must run before the first full load so nothing falls between. */
  void subscribe() {
    map.addEntryListener(new MirrorFeed(mirror, state), true);
  }

  /**
   * Blocking full load of the map into the mirror and the state store (startup, after merges and pauses,
   * anti-entropy): a watermark this node missed while it was down becomes durable here too.
   */
  void loadAll() {
    Map<String, Watermark> all = new java.util.HashMap<>();
    for (Map.Entry<String, Watermark> e : map.entrySet()) {
      mirror.raise(e.getKey(), e.getValue());
      all.put(e.getKey(), e.getValue());
    }
    if (state != null) {
      try {
        state.raiseAll(all).join();
      } catch (java.util.concurrent.CompletionException e) {
        // A store that cannot write (full disk) must not stop this node from serving from memory; the store
        // has logged it and refuses every acknowledged write until it is fixed.
        if (!(e.getCause() instanceof StateStoreException)) {
          throw e;
        }
      }
    }
  }

  /**
   * Cold start: raises the cluster map to at least every watermark in this node's state store (the map's
   * processor keeps the maximum), skipping entries already past their retention. Blocking; worker thread.
   */
  int pushFromStore() {
    if (state == null) {
      return 0;
    }
    long now = clock.millis();
    PushWindow window = new PushWindow();
    for (Map.Entry<String, Watermark> e : state.watermarks().entrySet()) {
      Watermark w = e.getValue();
      long ttl = w.expiresAtMillis() + retention.toMillis() - now;
      if (ttl <= 0) {
        continue;
      }
      mirror.raise(e.getKey(), w);
      window.add(map.submitToKey(e.getKey(), new RaiseWatermark(w.floor(), w.expiresAtMillis(), ttl)));
    }
    return window.finish();
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

  /**
   * Revokes a task outright: raises its watermark to {@link #REVOKED}, acknowledged like {@link #raise}. {@code
   * REVOKED} is the highest floor there is, so whatever the map held, it stores {@code REVOKED}: the members are
   * sent it beside the map's write instead of after it (one round of the cluster's waits, not two in a row), and
   * the answer still waits for both.
   */
  public CompletionStage<RaiseResult> revoke(String taskId, Instant taskExpiresAt) {
    return raise(taskId, REVOKED, taskExpiresAt, true);
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
    return raise(taskId, floor, taskExpiresAt, false);
  }

  /**
   * {@link #raise(String, long, Instant)}; {@code beside} sends the members the requested watermark at once instead
   * of the stored one after the map's write. Each member keeps the higher of what it holds and what it is sent, so
   * an acknowledgement of the requested floor holds at least that floor everywhere, durably.
   */
  private CompletionStage<RaiseResult> raise(String taskId, long floor, Instant taskExpiresAt, boolean beside) {
    requireTaskId(taskId);
    Objects.requireNonNull(taskExpiresAt, "taskExpiresAt");
    if (floor < 1) {
      throw new IllegalArgumentException("floor must be at least 1, got " + floor);
    }
    long expires = taskExpiresAt.toEpochMilli();
    long ttl = Math.max(1_000L, expires + retention.toMillis() - clock.millis());
    CompletionStage<Watermark> stored;
    try {
      allMembers.requireWritable("raise " + taskId); // the map's own protection lags this node's view
      stored = map.submitToKey(taskId, new RaiseWatermark(floor, expires, ttl));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unavailable("raise " + taskId, e));
    }
    CompletionStage<AllMembers.Acks> applied = beside
        ? allMembers.apply(new ApplyToMirror(taskId, new Watermark(floor, expires)), "raise " + taskId) : null;
    CompletionStage<Watermark> written = stored
        .handle((w, e) -> {
          if (e != null) {
            throw unavailable("raise " + taskId, e);
          }
          mirror.raise(taskId, w); // read-your-writes on this node even before the broadcast arrives
          return w;
        });
    if (applied == null) {
      return written.thenCompose(w -> allMembers.apply(new ApplyToMirror(taskId, w), "raise " + taskId)
          .thenApply(acks -> result(taskId, w, acks)));
    }
    return written.thenCombine(applied, (w, acks) -> result(taskId, w, acks));
  }

  private static RaiseResult result(String taskId, Watermark w, AllMembers.Acks acks) {
    return new RaiseResult(taskId, w.floor(), acks.acknowledged(), acks.missing());
  }

  /** This node's state store, or null when the node keeps no durable state. */
  StateStore state() {
    return state;
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
    if (root instanceof StateStoreException) {
      return (StateStoreException) root; // the callers answer it differently: this node's disk, not the cluster
    }
    return new ClusterUnavailableException(what + " failed: " + root);
  }

  /** Feeds every map change into the mirror (which ignores anything that would lower a watermark). */
  private static final class MirrorFeed implements EntryAddedListener<String, Watermark>,
      EntryUpdatedListener<String, Watermark>, EntryMergedListener<String, Watermark> {
    private final WatermarkMirror mirror;
    private final StateStore state;

    MirrorFeed(WatermarkMirror mirror, StateStore state) {
      this.mirror = mirror;
      this.state = state;
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
      if (state != null && event.getValue() != null) {
        // A value the other side of a split wrote: durable here too (best effort; the reload after the
        // merge stores it again and waits).
        state.raiseWatermark(event.getKey(), event.getValue().floor(), event.getValue().expiresAtMillis());
      }
    }
  }
}
