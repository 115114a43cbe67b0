package dev.ephyr.cluster;

/**
 * The cluster state cannot be trusted or reached from this node (below quorum, resynchronising, or a
 * timed-out call); callers map it to {@code cluster_unavailable}. Stackless: it is an expected outcome.
 */
public final class ClusterUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ClusterUnavailableException(String message) {
    super(message, null, false, false);
  }
}
