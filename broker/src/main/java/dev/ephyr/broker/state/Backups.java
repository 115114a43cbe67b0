package dev.ephyr.broker.state;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.cluster.StateStore;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Backups of a node's durable state and audit trail: the steps shared by the online and the offline path. */
public final class Backups {
  private Backups() {}

  /**
   * Finishes a backup whose state copy is in {@code target/state} and whose audit snapshot is {@code audit}:
   * copies the audit files, checksums everything, and writes the manifest last. Blocking.
   */
  static BackupManifest finish(Path target, String node, Keyring keyring, StateStore.Backup state, JsonObject audit,
      Instant now) throws BackupException {
    BackupFiles.copyAudit(target, audit);
    BackupManifest m = new BackupManifest(now.toString(), node, keyring.fingerprint(), keyring.activeKid(),
        KeyringChecks.of(keyring), Map.of("watermarks", (long) state.watermarks(), "tasks", (long) state.tasks(),
            "certificates", (long) state.certificates(), "serial_high", state.serialHigh()),
        audit.getLong("seq", 0L), BackupFiles.entries(target));
    BackupFiles.writeManifest(target, m);
    return m;
  }

  /** What the operator is told about a finished backup. */
  static JsonObject summary(Path target, BackupManifest m) {
    long bytes = 0;
    for (BackupManifest.Entry e : m.files()) {
      bytes += e.bytes();
    }
    return new JsonObject().put("dir", target.toString()).put("node", m.node()).put("created", m.created())
        .put("keyring_fingerprint", m.fingerprint()).put("watermarks", m.counts().get("watermarks"))
        .put("tasks", m.counts().get("tasks")).put("certificates", m.counts().get("certificates"))
        .put("serial_high", m.counts().get("serial_high")).put("audit_seq", m.auditSeq())
        .put("files", m.files().size()).put("bytes", bytes);
  }

  /**
   * Backs up a stopped node's state directory and audit directory into {@code target} (which must not exist):
   * the state through the store itself (which refuses a damaged file or one a running node holds), the audit
   * files whole, with their head.
   */
  public static JsonObject offline(Path stateDir, Path auditDir, Keyring keyring, String node, Path target)
      throws BackupException {
    if (!Files.isRegularFile(BackupFiles.stateFile(stateDir))) {
      throw new BackupException("no state file in " + stateDir + " (" + BackupFiles.stateFile(stateDir) + ")");
    }
    BackupFiles.prepare(target);
    boolean done = false;
    try {
      StateStore.Backup state;
      try (StateStore store = StateStore.open(stateDir, Long.MAX_VALUE)) {
        state = store.backupTo(target.resolve(BackupManifest.STATE_FILE)).join();
      } catch (RuntimeException e) {
        throw new BackupException("cannot back up " + stateDir + ": " + rootMessage(e));
      }
      BackupManifest m = finish(target, node, keyring, state, stoppedTrail(auditDir), Instant.now());
      done = true;
      return summary(target, m);
    } finally {
      if (!done) {
        BackupFiles.removeUnfinished(target);
      }
    }
  }

  /** The audit snapshot of a stopped node's trail: every file whole, the head as it is. */
  static JsonObject stoppedTrail(Path auditDir) throws BackupException {
    JsonArray files = new JsonArray();
    JsonObject out = new JsonObject().put("dir", auditDir.toString()).put("files", files).put("seq", 0L);
    try {
      for (Path p : AuditFiles.list(auditDir)) {
        files.add(new JsonObject().put("file", p.toString()).put("bytes", Files.size(p)));
      }
      Path head = auditDir.resolve(AuditFiles.HEAD);
      if (Files.isRegularFile(head) && Files.size(head) <= 4096) {
        byte[] b = Files.readAllBytes(head);
        out.put("head", b);
        try {
          out.put("seq", new JsonObject(new String(b, java.nio.charset.StandardCharsets.UTF_8)).getLong("seq", 0L));
        } catch (DecodeException | ClassCastException e) {
          // an unreadable head is copied as it is; 'ephyr audit verify' on the backup says what is wrong
        }
      }
    } catch (IOException e) {
      throw new BackupException("cannot read the audit trail in " + auditDir + ": " + e.getMessage());
    }
    return out;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
