package dev.ephyr.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Hazelcast member with Ephyr's replicated state on it: the entry point of this module.
 *
 * <p>{@link #start} joins the cluster, loads the watermark mirror and returns; {@link #readiness()} then
 * says whether the node may serve. The broker builds its Vert.x cluster manager on {@link #hazelcast()}
 * (the {@code __vertx.nodeId} member attribute is set to {@link #nodeId()}), and must call {@link #close()}
 * after closing Vert.x (the Hazelcast shutdown hook is off).
 */
public final class ClusterNode implements AutoCloseable {

  static final String VERTX_NODE_ID = "__vertx.nodeId";
  static final String KEYRING_ATTRIBUTE = "ephyr.keyring";
  static final String POLICY_ATTRIBUTE = "ephyr.policy";
  /**
   * Member UUID → the policy hash that member has in force now, republished on every reload: the one source the
   * drift check reads (member attributes are fixed at start, so after a reload they would report false drift).
   */
  static final String POLICY_HASHES = "ephyr.policy-hashes";
  private static final java.util.regex.Pattern POLICY_HASH_FORM = java.util.regex.Pattern.compile("[\\x21-\\x7e]{1,256}");

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  private final ClusterConfig config;
  private final HazelcastInstance hz;
  private final NodeHealth health;
  private final WatermarkStore watermarks;
  private final TaskRegistry tasks;
  private final ReplayCache replay;
  private final SerialGenerator serials;
  private final StateGuards guards;
  private final CertificateLedger certificates;
  private final StateStore state;
  private final ReplicatedMap<String, String> policyHashes;
  private volatile boolean exchanged;
  private final ScheduledExecutorService scheduler;
  private final ThreadPoolExecutor worker;
  private final AtomicBoolean reloading = new AtomicBoolean();
  private final Object readinessMonitor = new Object();
  private volatile long lastAntiEntropyNanos = System.nanoTime();
  private volatile List<Mismatch> lastMismatches = List.of();
  // Tests only: caps the member count this node believes it sees, to drive its own view ahead of Hazelcast's.
  private volatile int viewCap = Integer.MAX_VALUE;

  private ClusterNode(ClusterConfig config, HazelcastInstance hz, WatermarkMirror mirror, StateStore state,
      Consumer<Readiness> listener) {
    this.config = config;
    this.hz = hz;
    this.state = state;
    this.health = new NodeHealth(config.nodeId(), config, r -> {
      listener.accept(r);
      synchronized (readinessMonitor) {
        readinessMonitor.notifyAll();
      }
    });
    this.scheduler = new ScheduledThreadPoolExecutor(1, threads("ephyr-cluster-tick-" + config.nodeId()));
    this.worker = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1_000),
        threads("ephyr-cluster-worker-" + config.nodeId()));
    AllMembers allMembers = new AllMembers(hz, hz.getExecutorService(WatermarkStore.ACK_EXECUTOR), health, scheduler,
        config.ackTimeout(), config.quorum(), ClusterNode::nodeIdOf, state);
    this.watermarks = new WatermarkStore(hz, config, mirror, health, scheduler, ClusterNode::nodeIdOf, allMembers,
        state);
    this.tasks = new TaskRegistry(hz, config, worker, allMembers, state);
    this.replay = new ReplayCache(hz, config, health);
    this.serials = new SerialGenerator(hz, config, health);
    this.guards = new StateGuards(hz);
    guards.ensure(); // before any write can reach this member's partitions
    this.certificates = new CertificateLedger(hz, config, worker, allMembers, state);
    this.policyHashes = hz.getReplicatedMap(POLICY_HASHES);
    // Nothing is known to be durable-and-exchanged until the first load: a node with a store pushes it first.
    this.exchanged = state == null;
  }

  /** Starts a node and blocks until it joined and (if the quorum is present) loaded its mirror. */
  public static ClusterNode start(ClusterConfig config) {
    return start(config, r -> {});
  }

  /**
   * Starts a node; {@code listener} is told every readiness change (on a cluster thread: keep it short,
   * never block in it).
   */
  public static ClusterNode start(ClusterConfig config, Consumer<Readiness> listener) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(listener, "listener");
    CallbackExecutor.installIfNeeded();
    WatermarkMirror mirror = new WatermarkMirror();
    ConcurrentMap<String, Object> userContext = new ConcurrentHashMap<>();
    userContext.put(WatermarkMirror.USER_CONTEXT_KEY, mirror);
    // Opened before joining: a node whose store is unusable never joins, and says why (StateStoreException).
    StateStore state = config.stateDir() == null ? null : StateStore.open(config.stateDir(), config.stateMaxBytes());
    if (state != null) {
      userContext.put(StateStore.USER_CONTEXT_KEY, state);
    }
    HazelcastInstance hz;
    try {
      hz = ClusterPriority.startRaised(() -> Hazelcast.newHazelcastInstance(HazelcastConfigFactory.build(config,
          userContext)));
    } catch (RuntimeException | Error e) {
      if (state != null) {
        state.close();
      }
      throw e;
    }
    ClusterNode node = null;
    try {
      node = new ClusterNode(config, hz, mirror, state, listener);
      // Before readiness: a task write on an event loop must find its wire schema built and replicated.
      SerializationWarmup.run(hz, config.nodeId());
      node.begin();
      return node;
    } catch (RuntimeException | Error e) {
      if (node != null) {
        node.close();
      } else {
        hz.shutdown();
        if (state != null) {
          state.close();
        }
      }
      throw e;
    }
  }

  private void begin() {
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        evaluateMembership();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        forgetPolicyHash(event.getMember());
        evaluateMembership();
      }
    });
    hz.getLifecycleService().addLifecycleListener(event -> {
      LifecycleEvent.LifecycleState state = event.getState();
      if (state == LifecycleEvent.LifecycleState.MERGING) {
        health.merging(true);
      } else if (state == LifecycleEvent.LifecycleState.MERGED
          || state == LifecycleEvent.LifecycleState.MERGE_FAILED) {
        // The merged side's data replaced ours (or the merge failed half way): reload before serving.
        health.merging(false);
        scheduleReload();
      }
    });
    watermarks.subscribe(); // before the first load, so no change falls between load and listener
    policyHashes.put(hz.getCluster().getLocalMember().getUuid().toString(), config.policyHash());
    evaluateMembership();
    long tick = Math.max(100, config.heartbeatInterval().toMillis() / 2);
    scheduler.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    reloadIfDue(); // synchronous on startup: a node that can be ready is ready when start() returns
  }

  private void tick() {
    try {
      health.tick();
      if (guards.ensure() > 0) {
        LOG.warn("node {}: a state guard had been removed from this member (by another member?); reinstalled",
            config.nodeId());
      }
      evaluateMembership();
      scheduleReload();
      long now = System.nanoTime();
      if (now - lastAntiEntropyNanos >= config.mirrorReloadInterval().toNanos()) {
        lastAntiEntropyNanos = now;
        worker.execute(this::antiEntropy);
      }
    } catch (RuntimeException e) {
      LOG.warn("node {}: tick failed", config.nodeId(), e);
    }
  }

  private void scheduleReload() {
    if (health.loadGenerationIfDue() < 0 || reloading.get()) {
      return;
    }
    try {
      worker.execute(this::reloadIfDue);
    } catch (RuntimeException e) {
      LOG.debug("node {}: reload not scheduled", config.nodeId(), e);
    }
  }

  private void reloadIfDue() {
    if (!reloading.compareAndSet(false, true)) {
      return;
    }
    try {
      long generation = health.loadGenerationIfDue();
      if (generation < 0) {
        return;
      }
      if (!exchanged) {
        exchange();
      }
      watermarks.loadAll();
      watermarks.prune();
      health.loadedAt(generation);
      worker.execute(this::refreshTaskIndex); // display listings only: readiness does not wait for it
    } catch (RuntimeException e) {
      // Below quorum, or partitions moving: the next tick tries again.
      if (!exchanged) {
        LOG.info("node {}: cold-start state exchange not done yet, retrying: {}", config.nodeId(), e.toString());
      } else {
        LOG.debug("node {}: mirror load failed: {}", config.nodeId(), e.toString());
      }
    } finally {
      reloading.set(false);
    }
  }

  /**
   * Cold start, once the quorum is present: push this node's store into the cluster with the keep-the-maximum
   * rules, then take what the cluster has (the watermarks come with the load that follows). Readiness waits.
   */
  private void exchange() {
    long start = System.nanoTime();
    int w = watermarks.pushFromStore();
    int t = tasks.pushFromStore();
    int c = certificates.pushFromStore(serials);
    int pulled;
    try {
      pulled = tasks.pullIntoStore();
      certificates.pullIntoStore(serials);
    } catch (java.util.concurrent.CompletionException e) {
      if (!(e.getCause() instanceof StateStoreException)) {
        throw e;
      }
      // Pushed what this disk had; it cannot take the cluster's copy now. Serve from memory; writes are refused.
      LOG.error("node {}: cannot store the cluster's state: {}", config.nodeId(), e.getCause().getMessage());
      pulled = -1;
    }
    exchanged = true;
    LOG.info("node {}: state exchanged in {} ms: pushed {} watermarks, {} tasks, {} certificates; cluster has {} tasks",
        config.nodeId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), w, t, c, pulled);
  }

  private void refreshTaskIndex() {
    try {
      tasks.refreshIndex();
    } catch (RuntimeException e) {
      // Listings keep querying the cluster until the next membership change or merge reloads the index.
      LOG.info("node {}: task listing index not loaded: {}", config.nodeId(), e.toString());
    }
  }

  /** Periodic full reload while serving: repairs anything a lost event left behind. */
  private void antiEntropy() {
    if (!health.available()) {
      return;
    }
    try {
      watermarks.loadAll();
      int pruned = watermarks.prune();
      if (pruned > 0) {
        LOG.debug("node {}: pruned {} expired watermarks", config.nodeId(), pruned);
      }
      compactState();
    } catch (RuntimeException e) {
      LOG.debug("node {}: anti-entropy reload failed: {}", config.nodeId(), e.toString());
    }
  }

  /** Drops stored entries past the latest expiry of any token they govern plus the margins; on the store's writer. */
  private void compactState() {
    if (state == null) {
      return;
    }
    long now = config.clock().millis();
    state.compact(now - config.watermarkRetention().toMillis(), now - config.taskRetention().toMillis(), now)
        .whenComplete((n, e) -> {
          if (e != null) {
            LOG.warn("node {}: state compaction failed: {}", config.nodeId(), e.toString());
          } else if (n > 0) {
            LOG.debug("node {}: compacted {} expired state entries", config.nodeId(), n);
          }
        });
  }

  private void evaluateMembership() {
    if (!hz.getLifecycleService().isRunning()) {
      return;
    }
    Set<Member> members = hz.getCluster().getMembers();
    int seen = Math.min(members.size(), viewCap);
    int quorum = config.quorum();
    health.quorum(seen >= quorum, "sees " + seen + " member(s), quorum " + quorum);

    String clusterKeyring = consensus(members, KEYRING_ATTRIBUTE);
    String mine = config.keyringFingerprint();
    health.foreignKeyring(mine.equals(clusterKeyring) ? null
        : "this node's keyring fingerprint " + mine + " differs from the cluster's " + clusterKeyring);

    List<Mismatch> mismatches = mismatches(members);
    if (!mismatches.equals(lastMismatches)) {
      lastMismatches = mismatches;
      for (Mismatch m : mismatches) {
        LOG.warn("node {}: member {} ({}) has {} {} but the cluster has {}", config.nodeId(), m.nodeId(),
            m.address(), m.kind() == Mismatch.Kind.KEYRING ? "keyring" : "policy", m.actual(), m.expected());
      }
    }
  }

  /** The value most members publish; on a tie the oldest member's (members iterate oldest first). */
  private static String consensus(Set<Member> members, String attribute) {
    Map<String, Integer> counts = new HashMap<>();
    String best = null;
    int bestCount = 0;
    for (Member m : members) {
      String v = String.valueOf(m.getAttribute(attribute));
      int c = counts.merge(v, 1, Integer::sum);
      if (c > bestCount) { // strictly greater: on a tie the earlier (older) value stays
        best = v;
        bestCount = c;
      }
    }
    return best;
  }

  /**
   * Keyring mismatches by the members' attributes (fixed for a member's life, as its keyring is), policy drift by
   * the hashes in force now ({@link #POLICY_HASHES}). A member whose hash has not reached this one yet (it just
   * joined) is left out of the policy comparison rather than judged by its start-up attribute.
   */
  private List<Mismatch> mismatches(Set<Member> members) {
    String keyring = consensus(members, KEYRING_ATTRIBUTE);
    Map<Member, String> policies = new java.util.LinkedHashMap<>();
    for (Member m : members) {
      String p = policyHashes.get(m.getUuid().toString());
      if (p != null) {
        policies.put(m, p);
      }
    }
    String policy = consensus(new ArrayList<>(policies.values()));
    List<Mismatch> out = new ArrayList<>();
    for (Member m : members) {
      String k = String.valueOf(m.getAttribute(KEYRING_ATTRIBUTE));
      if (!k.equals(keyring)) {
        out.add(new Mismatch(nodeIdOf(m), address(m), Mismatch.Kind.KEYRING, keyring, k));
      }
      String p = policies.get(m);
      if (p != null && !p.equals(policy)) {
        out.add(new Mismatch(nodeIdOf(m), address(m), Mismatch.Kind.POLICY, policy, p));
      }
    }
    return List.copyOf(out);
  }

  /** The value most of {@code values} hold; on a tie the earliest (members iterate oldest first). */
  private static String consensus(List<String> values) {
    Map<String, Integer> counts = new HashMap<>();
    String best = null;
    int bestCount = 0;
    for (String v : values) {
      int c = counts.merge(v, 1, Integer::sum);
      if (c > bestCount) {
        best = v;
        bestCount = c;
      }
    }
    return best;
  }

  /** The policy hash {@code m} has in force, as published; its start-up attribute until that arrives. */
  private String policyHashOf(Member m) {
    String p = policyHashes.get(m.getUuid().toString());
    return p != null ? p : String.valueOf(m.getAttribute(POLICY_ATTRIBUTE));
  }

  /**
   * Publishes the policy hash this node has in force (after a reload), for every member's drift check. Returns
   * at once: the write runs on the cluster's worker thread, so an event loop may call it.
   */
  public void publishPolicyHash(String hash) {
    if (hash == null || !POLICY_HASH_FORM.matcher(hash).matches()) {
      throw new IllegalArgumentException("a policy hash is 1-256 printable ASCII characters without spaces");
    }
    String me = hz.getCluster().getLocalMember().getUuid().toString();
    try {
      worker.execute(() -> {
        try {
          policyHashes.put(me, hash);
          evaluateMembership();
        } catch (RuntimeException e) {
          LOG.warn("node {}: cannot publish the policy hash: {}", config.nodeId(), e.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.warn("node {}: policy hash not published (node closing or busy): {}", config.nodeId(), e.toString());
    }
  }

  /** A departed member's entry goes (a member that comes back has a new UUID and publishes afresh). */
  private void forgetPolicyHash(Member m) {
    String uuid = m.getUuid().toString();
    try {
      worker.execute(() -> { // off Hazelcast's event thread: the removal waits for the entry's owner
        try {
          policyHashes.remove(uuid);
        } catch (RuntimeException e) {
          LOG.debug("node {}: stale policy hash of {} not removed: {}", config.nodeId(), uuid, e.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("node {}: stale policy hash of {} not removed (closing)", config.nodeId(), uuid);
    }
  }

  static String nodeIdOf(Member m) {
    String id = m.getAttribute(VERTX_NODE_ID);
    return id != null ? id : m.getUuid().toString();
  }

  private static String address(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }

  /**
   * Tests only: from now on this node's own membership view counts at most {@code n} members, as when it
   * has noticed departures that Hazelcast's split-brain protection has not yet acted on.
   */
  void capMembershipViewForTest(int n) {
    viewCap = n;
    evaluateMembership();
  }

  /** The Hazelcast instance, for the broker's {@code HazelcastClusterManager}; do not shut it down yourself. */
  public HazelcastInstance hazelcast() {
    return hz;
  }

  /** This node's id (the {@code __vertx.nodeId} member attribute). */
  public String nodeId() {
    return config.nodeId();
  }

  /** The config the node was started with. */
  public ClusterConfig config() {
    return config;
  }

  /** Replicated watermarks; the {@code WatermarkLookup} for the verifier. */
  public WatermarkStore watermarks() {
    return watermarks;
  }

  /** Task records and bind-once. */
  public TaskRegistry tasks() {
    return tasks;
  }

  /** Single-use proof ids; the {@code ReplayCheck} for the verifier. */
  public ReplayCache replay() {
    return replay;
  }

  /** Cluster-unique SSH certificate serials. */
  public SerialGenerator serials() {
    return serials;
  }

  /** Issued SSH certificate records (the KRL's source), durable on every member. */
  public CertificateLedger certificates() {
    return certificates;
  }

  /** Size and health of this node's state store, or empty when it keeps no durable state. */
  public java.util.Optional<StateStore.Stats> stateStats() {
    return state == null ? java.util.Optional.empty() : java.util.Optional.of(state.stats());
  }

  /**
   * Writes a consistent copy of this node's state store to {@code target} ({@link StateStore#backupTo}); fails
   * with {@link StateStoreException} when the node keeps no durable state.
   */
  public java.util.concurrent.CompletableFuture<StateStore.Backup> backupState(java.nio.file.Path target) {
    if (state == null) {
      return java.util.concurrent.CompletableFuture.failedFuture(new StateStoreException(
          "this node keeps no durable state (no state.dir): nothing to back up"));
    }
    return state.backupTo(target);
  }

  /** Whether this node may serve right now, and why not. */
  public Readiness readiness() {
    return health.readiness();
  }

  /** Blocks up to {@code timeout} for the node to become ready (a startup helper; never on an event loop). */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!readiness().isReady()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      // Never call into the health object while holding the monitor: the health object notifies this
      // monitor while holding its own lock. The wait is bounded because readiness also depends on the
      // tick clock, which notifies nobody, and a notification may fall between the check and the wait.
      synchronized (readinessMonitor) {
        readinessMonitor.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
      }
    }
    return true;
  }

  /** The members as this node sees them, with keyring and policy mismatches. */
  public ClusterStatus status() {
    List<MemberView> views = new ArrayList<>();
    List<Mismatch> mismatches = List.of();
    if (hz.getLifecycleService().isRunning()) {
      Set<Member> members = hz.getCluster().getMembers();
      for (Member m : members) {
        views.add(new MemberView(nodeIdOf(m), address(m), String.valueOf(m.getAttribute(KEYRING_ATTRIBUTE)),
            policyHashOf(m), m.localMember()));
      }
      mismatches = mismatches(members);
    }
    return new ClusterStatus(readiness(), config.quorum(), views, mismatches, watermarks.mirrorSize());
  }

  /** Leaves the cluster gracefully (its partitions migrate to the others) and stops the node's threads. */
  @Override
  public void close() {
    health.stopped();
    scheduler.shutdownNow();
    worker.shutdownNow();
    hz.shutdown();
    if (state != null) {
      state.close();
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
