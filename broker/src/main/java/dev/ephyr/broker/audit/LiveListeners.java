package dev.ephyr.broker.audit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether any node of the cluster serves a live audit stream right now. Every written batch would otherwise be
 * sealed and published cluster-wide for nobody: sealing is AES-GCM over the whole batch, a fifth of a busy
 * node's CPU before the JIT has compiled the cipher. A node with open streams keeps a cluster-wide marker
 * alive (a map entry with a TTL); writers publish while they see it. The marker is a hint, not a control: a
 * member that removes it only delays live records (the files and their chain are the audit), and when the
 * marker cannot be read a writer publishes.
 */
public final class LiveListeners {
  static final String MAP_NAME = "ephyr.audit.live-listeners";
  private static final String KEY = "listening";
  private static final Duration TTL = Duration.ofSeconds(15);
  private static final long REFRESH_MS = 5_000;
  private static final long POLL_MS = 1_000;

  private final IMap<String, String> map;
  private final String nodeId;
  private final AtomicInteger local = new AtomicInteger();
  private volatile boolean remote = true; // until the first answer: publishing is the safe side

  /**
   * Registers this node's interest in the marker; blocking (cluster-wide listener registration), so off the
   * loop. The timers and the listener end with {@code vertx} and the member.
   */
  public LiveListeners(Vertx vertx, HazelcastInstance hz, String nodeId) {
    this.map = hz.getMap(MAP_NAME);
    this.nodeId = nodeId;
    // Pushed as soon as another node raises the marker, so a new stream does not wait for the next poll.
    map.addEntryListener(new Raised(this), false);
    vertx.setPeriodic(POLL_MS, id -> check());
    vertx.setPeriodic(REFRESH_MS, id -> {
      if (local.get() > 0) {
        announce();
      }
    });
    check();
  }

  /** Whether records should be published: a stream is open here, or the marker says one is open elsewhere. */
  public boolean anyone() {
    return local.get() > 0 || remote;
  }

  /** A stream opened on this node; run the returned action when it closes. */
  public Runnable opened() {
    local.incrementAndGet();
    announce();
    AtomicInteger once = new AtomicInteger();
    return () -> {
      if (once.getAndIncrement() == 0) {
        local.decrementAndGet();
      }
    };
  }

  private void announce() {
    map.putAsync(KEY, nodeId, TTL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    map.getAsync(KEY).whenComplete((v, e) -> remote = e != null || v != null);
  }

  private record Raised(LiveListeners owner) implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(com.hazelcast.core.EntryEvent<String, String> event) {
      owner.remote = true;
    }

    @Override
    public void entryUpdated(com.hazelcast.core.EntryEvent<String, String> event) {
      owner.remote = true;
    }
  }
}
