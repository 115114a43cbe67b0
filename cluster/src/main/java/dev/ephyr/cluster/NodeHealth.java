package dev.ephyr.cluster;

import dev.ephyr.cluster.Readiness.State;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this node may serve: mirror loaded, quorum present, no merge in progress, own keyring
 * agreed, and this process not paused. {@link #available()} is the hot-path check and reads two
 * volatiles; every other method runs on cluster or scheduler threads.
 */
final class NodeHealth {

  private static final Logger LOG = LoggerFactory.getLogger(NodeHealth.class);

  private final String nodeId;
  private final long stallNanos;
  private final long removalRiskNanos;
  private final long quarantineNanos;
  private final Consumer<Readiness> listener;

  // Written after `serving` on a stall, read before it in available(): see there.
  private volatile long lastTickNanos;
  private volatile boolean serving;
  // This node's own view of the quorum, read before and after acknowledged writes.
  private volatile boolean quorumSeen;

  // Guarded by this.
  private boolean loaded;
  private long generation;
  private boolean quorumPresent;
  private String quorumDetail = "membership not evaluated yet";
  private boolean merging;
  private String foreignKeyring;
  private boolean stopped;
  private long quarantineUntilNanos;
  private String resyncReason;
  private Readiness current = new Readiness(State.STARTING, "joining");

  NodeHealth(String nodeId, ClusterConfig config, Consumer<Readiness> listener) {
    this.nodeId = nodeId;
    this.stallNanos = config.stallThreshold().toNanos();
    // A pause this long may have been long enough for the others to remove this member.
    this.removalRiskNanos = config.maxNoHeartbeat().minus(config.heartbeatInterval()).toNanos();
    this.quarantineNanos = config.maxNoHeartbeat().toNanos();
    this.listener = listener;
    this.lastTickNanos = System.nanoTime();
  }

  /**
   * Hot path. Reads the tick time before the serving flag: a tick that detected a pause clears
   * {@code serving} before it refreshes the tick time, so a reader either sees the old tick time (too
   * old: refused) or the cleared flag (refused). Without this, a process resumed after SIGSTOP could
   * answer from a stale mirror before its first tick runs.
   */
  boolean available() {
    long tick = lastTickNanos;
    boolean s = serving;
    return s && System.nanoTime() - tick < stallNanos;
  }

  /** Called periodically by the node's scheduler; detects that this process was paused. */
  void tick() {
    long now = System.nanoTime();
    synchronized (this) {
      long gap = now - lastTickNanos;
      if (gap >= stallNanos) {
        String why = "this process was paused for " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms";
        if (gap >= removalRiskNanos) {
          // The others may have removed us and acknowledged revocations without us; let Hazelcast notice
          // the split first (we then drop below quorum or merge) before trusting a reload.
          quarantineUntilNanos = now + quarantineNanos;
        }
        invalidateLocked(why);
      }
      lastTickNanos = now;
      update();
    }
  }

  synchronized void invalidate(String why) {
    invalidateLocked(why);
    update();
  }

  private void invalidateLocked(String why) {
    loaded = false;
    generation++;
    resyncReason = why;
    serving = false;
  }

  /** Whether a reload should start now; returns the generation to pass to {@link #loadedAt}, or -1. */
  synchronized long loadGenerationIfDue() {
    if (loaded || stopped || !quorumPresent || merging || System.nanoTime() - quarantineUntilNanos < 0) {
      return -1;
    }
    return generation;
  }

  /** A full load that started at {@code gen} finished; it counts only if nothing invalidated it since. */
  synchronized void loadedAt(long gen) {
    if (gen == generation && !stopped) {
      loaded = true;
      resyncReason = null;
      update();
    }
  }

  synchronized void quorum(boolean present, String detail) {
    quorumPresent = present;
    quorumSeen = present;
    quorumDetail = detail;
    update();
  }

  /**
   * Whether this node itself sees the quorum right now. Hazelcast's split-brain protection lags behind the
   * node's own membership view, so writes that are acknowledged as cluster-wide check this too.
   */
  boolean quorumPresent() {
    return quorumSeen;
  }

  synchronized void merging(boolean inProgress) {
    merging = inProgress;
    if (inProgress) {
      invalidateLocked("split-brain merge in progress");
    }
    update();
  }

  synchronized void foreignKeyring(String detailOrNull) {
    foreignKeyring = detailOrNull;
    update();
  }

  synchronized void stopped() {
    stopped = true;
    serving = false;
    quorumSeen = false;
    update();
  }

  synchronized Readiness readiness() {
    if (current.isReady() && !available()) {
      return new Readiness(State.RESYNCING, "this process was paused; waiting for its next tick");
    }
    return current;
  }

  private void update() {
    Readiness next;
    if (stopped) {
      next = new Readiness(State.STOPPED, "node closed");
    } else if (foreignKeyring != null) {
      next = new Readiness(State.FOREIGN_KEYRING, foreignKeyring);
    } else if (!quorumPresent) {
      next = new Readiness(State.BELOW_QUORUM, quorumDetail);
    } else if (merging) {
      next = new Readiness(State.RESYNCING, "split-brain merge in progress");
    } else if (!loaded) {
      next = resyncReason == null
          ? new Readiness(State.STARTING, "loading the watermark mirror")
          : new Readiness(State.RESYNCING, "reloading the watermark mirror: " + resyncReason);
    } else {
      next = new Readiness(State.READY, quorumDetail);
    }
    serving = next.isReady();
    if (!next.equals(current)) {
      Readiness previous = current;
      current = next;
      if (previous.state() != next.state()) {
        LOG.info("node {}: {} -> {} ({})", nodeId, previous.state(), next.state(), next.detail());
      }
      // Called under this object's lock so listeners see changes in order; a listener must therefore
      // never wait for another thread that could be calling into this object.
      listener.accept(next);
    }
  }
}
