package dev.ephyr.broker.config;

import java.nio.file.Path;

/**
 * The node's audit trail ({@code audit.*}).
 *
 * @param dir directory of the chained audit files
 * @param maxFileSize size in bytes at which an audit file is rotated
 * @param queue most events waiting for the writer before new ones are refused (and counted)
 * @param sync whether each batch is forced to disk
 * @param acceptMissingHead whether the node starts on a trail whose head file is missing, forged or names
 *     more records than the files hold (the acceptance is recorded in the trail); otherwise it refuses
 */
public record AuditTrailSettings(Path dir, long maxFileSize, int queue, boolean sync, boolean acceptMissingHead) {

  static AuditTrailSettings read(Values v, Path dataDir) {
    return new AuditTrailSettings(v.path(Settings.AUDIT_DIR, dataDir, "audit"), v.bytes(Settings.AUDIT_MAX_FILE_SIZE),
        v.integer(Settings.AUDIT_QUEUE), v.bool(Settings.AUDIT_SYNC), v.bool(Settings.AUDIT_ACCEPT_MISSING_HEAD));
  }
}
