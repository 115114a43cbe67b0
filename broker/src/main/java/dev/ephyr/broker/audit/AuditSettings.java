package dev.ephyr.broker.audit;

import java.nio.file.Path;

/**
 * How a node writes its audit trail.
 *
 * @param node the node id (recorded in every record)
 * @param dir where the files live
 * @param maxFileBytes size at which a file is rotated
 * @param sync whether each batch is forced to disk before it counts as written
 * @param keys the chaining keys
 * @param headCheck what to do at startup when the head does not vouch for the files (missing, forged, ahead)
 */
public record AuditSettings(String node, Path dir, long maxFileBytes, boolean sync, AuditKeys keys,
    HeadCheck headCheck) {
  /** Settings that refuse to start on a trail whose head does not vouch for it. */
  public AuditSettings(String node, Path dir, long maxFileBytes, boolean sync, AuditKeys keys) {
    this(node, dir, maxFileBytes, sync, keys, HeadCheck.REFUSE);
  }
}
