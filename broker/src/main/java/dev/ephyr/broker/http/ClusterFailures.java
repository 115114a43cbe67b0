package dev.ephyr.broker.http;

import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.cluster.StateStoreException;

/** Tells which failures come from the cluster (no quorum, durable state refusing writes), by the cluster's own types. */
public final class ClusterFailures {
  private ClusterFailures() {}

  /** Whether {@code e} (or a cause) says this node's durable state store refuses writes (full disk, I/O error). */
  public static boolean isStateUnwritable(Throwable e) {
    return hasCause(e, StateStoreException.class);
  }

  /** Whether {@code e} (or a cause) says the cluster could not answer. */
  public static boolean isClusterUnavailable(Throwable e) {
    return hasCause(e, ClusterUnavailableException.class);
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
