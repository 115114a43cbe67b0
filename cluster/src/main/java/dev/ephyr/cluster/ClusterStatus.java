package dev.ephyr.cluster;

import java.util.List;

/**
 * A snapshot of the cluster as this node sees it, for health checks and the admin API.
 *
 * @param readiness this node's readiness
 * @param quorum the configured quorum
 * @param members the members this node sees, oldest first
 * @param mismatches members whose keyring or policy differs from the cluster's
 * @param mirrorSize watermarks held in this node's mirror
 */
public record ClusterStatus(Readiness readiness, int quorum, List<MemberView> members, List<Mismatch> mismatches,
    int mirrorSize) {

  public ClusterStatus {
    members = List.copyOf(members);
    mismatches = List.copyOf(mismatches);
  }
}
