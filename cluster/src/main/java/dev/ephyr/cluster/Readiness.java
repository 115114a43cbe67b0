package dev.ephyr.cluster;

import java.util.Objects;

/**
 * Whether a node may serve task tokens right now, and if not, why (for health checks and logs).
 *
 * @param state the machine-readable state
 * @param detail a sentence for people (member counts, the foreign fingerprint, ...)
 */
public record Readiness(State state, String detail) {

  /** The states a node passes through; only {@link #READY} serves. */
  public enum State {
    /** Joined, but the watermark mirror is not loaded yet. */
    STARTING,
    /** Serving: mirror loaded, quorum present, keyring agreed. */
    READY,
    /** Sees fewer members than the quorum: lookups fail closed ({@code cluster_unavailable}). */
    BELOW_QUORUM,
    /** The mirror is being reloaded (after a pause of this process, a merge, or a failed load). */
    RESYNCING,
    /** This node's keyring fingerprint differs from the cluster's: it refuses to serve. */
    FOREIGN_KEYRING,
    /** The node was closed. */
    STOPPED
  }

  public Readiness {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(detail, "detail");
  }

  /** True only in {@link State#READY}. */
  public boolean isReady() {
    return state == State.READY;
  }
}
