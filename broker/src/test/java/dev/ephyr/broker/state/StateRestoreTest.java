package dev.ephyr.broker.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.cluster.StateStore;
import dev.ephyr.cluster.StateVerifier;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.JsonObject;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restoring a backup refuses, with one line and without touching the target, every input it must not take: a
 * foreign keyring, a corrupt or truncated file, a missing manifest, a non-empty target, a running node's
 * directory; and restores a sound backup, also under a rotated keyring that still holds its key.
 */
class StateRestoreTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir
  Path tmp;
  private final Keyring keyring = Keyring.generate("k1", RANDOM);
  private Path backup;

  @BeforeEach
  void makeBackup() throws Exception {
    Path node = Files.createDirectory(tmp.resolve("node"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Path stateDir = node.resolve("state");
    Path auditDir = Files.createDirectory(node.resolve("audit"));
    try (StateStore s = StateStore.open(stateDir, 1 << 24)) {
      s.raiseWatermark("task-a", Long.MAX_VALUE, System.currentTimeMillis() + 600_000).join();
      s.raiseWatermark("task-b", 3, System.currentTimeMillis() + 600_000).join();
      s.raiseSerialHigh(42).join();
    }
    // An audit trail as a stopped node leaves it (the content is not checked by a restore, only its checksums).
    Files.writeString(auditDir.resolve("audit-00000001.jsonl"), "{\"seq\":1}\n{\"seq\":2}\n");
    Files.writeString(auditDir.resolve("audit.head"), "{\"seq\":2}\n");
    backup = tmp.resolve("backup");
    JsonObject summary = Backups.offline(stateDir, auditDir, keyring, "n1", backup);
    assertEquals(2, summary.getLong("watermarks"));
    assertEquals(42, summary.getLong("serial_high"));
    assertEquals(2, summary.getLong("audit_seq"));
  }

  @Test
  void restore_soundBackup_intoEmptyDirectories_givesTheSameState() throws Exception {
    Path state = tmp.resolve("fresh/state");
    Path audit = tmp.resolve("fresh/audit");
    StateRestore.Restored r = StateRestore.restore(backup, keyring, state, audit, false);
    assertEquals("n1", r.manifest().node());
    StateVerifier.Report report = StateVerifier.verify(state);
    assertTrue(report.ok(), report.problems().toString());
    assertEquals(2, report.watermarks());
    assertEquals(42, report.serialHigh());
    assertEquals("{\"seq\":1}\n{\"seq\":2}\n", Files.readString(audit.resolve("audit-00000001.jsonl")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        state.resolve(StateStore.FILE_NAME))));
  }

  @Test
  void restore_underARotatedKeyringThatHoldsTheKey_isAccepted() throws Exception {
    Keyring rotated = keyring.rotate("k2", RANDOM);
    StateRestore.restore(backup, rotated, tmp.resolve("r/state"), null, false);
    assertTrue(StateVerifier.verify(tmp.resolve("r/state")).ok());
  }

  @Test
  void restore_foreignKeyring_isRefused_andNothingWritten() {
    Keyring other = Keyring.generate("k1", RANDOM);
    Path state = tmp.resolve("x/state");
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, other, state, null,
        false));
    assertTrue(e.getMessage().startsWith("the backup was made with another keyring"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(state));
  }

  @Test
  void restore_corruptStateFile_isRefusedByItsChecksum() throws Exception {
    Path f = backup.resolve(BackupManifest.STATE_FILE);
    byte[] b = Files.readAllBytes(f);
    b[b.length / 2] ^= 0x01;
    Files.write(f, b);
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, keyring,
        tmp.resolve("y/state"), null, false));
    assertEquals("the backup is damaged: state/ephyr-state.mv.db does not match its checksum", e.getMessage());
    assertFalse(Files.exists(tmp.resolve("y/state")));
  }

  @Test
  void restore_truncatedAuditFile_isRefused() throws Exception {
    try (FileChannel c = FileChannel.open(backup.resolve("audit/audit-00000001.jsonl"), StandardOpenOption.WRITE)) {
      c.truncate(5);
    }
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, keyring,
        tmp.resolve("z/state"), tmp.resolve("z/audit"), false));
    assertTrue(e.getMessage().startsWith("the backup is damaged: audit/audit-00000001.jsonl has 5 bytes"),
        e.getMessage());
  }

  @Test
  void restore_missingFileOrManifest_orBrokenManifest_isRefused() throws Exception {
    Files.delete(backup.resolve("audit/audit.head"));
    assertEquals("the backup is incomplete: audit/audit.head is missing", assertThrows(BackupException.class,
        () -> StateRestore.check(backup, keyring)).getMessage());
    Files.writeString(backup.resolve(BackupManifest.FILE), "{\"format\":\"ephyr-backup/1\",\"files\":");
    assertTrue(assertThrows(BackupException.class, () -> StateRestore.check(backup, keyring)).getMessage()
        .contains("not a JSON object"));
    Files.delete(backup.resolve(BackupManifest.FILE));
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.check(backup, keyring));
    assertTrue(e.getMessage().startsWith("not a finished Ephyr backup"), e.getMessage());
  }

  @Test
  void manifest_naming_aPathOutsideTheBackup_isRefused() throws Exception {
    JsonObject m = new JsonObject(Files.readString(backup.resolve(BackupManifest.FILE)));
    m.getJsonArray("files").getJsonObject(0).put("path", "state/../../etc/passwd");
    Files.writeString(backup.resolve(BackupManifest.FILE), m.encode());
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.check(backup, keyring));
    assertTrue(e.getMessage().startsWith("the manifest names a file outside the backup's layout"), e.getMessage());
  }

  @Test
  void restore_nonEmptyTarget_isRefusedWithoutForce_andKeptAsideWithIt() throws Exception {
    Path state = Files.createDirectories(tmp.resolve("busy/state"));
    Files.writeString(state.resolve("something"), "x");
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, keyring, state, null,
        false));
    assertTrue(e.getMessage().contains("is not empty") && e.getMessage().contains("--force"), e.getMessage());
    assertEquals("x", Files.readString(state.resolve("something")));
    StateRestore.Restored r = StateRestore.restore(backup, keyring, state, null, true);
    assertEquals(1, r.movedAside().size());
    assertEquals("x", Files.readString(r.movedAside().get(0).resolve("something")));
    assertTrue(StateVerifier.verify(state).ok());
  }

  @Test
  void restore_intoARunningNodesDirectory_isRefused() throws Exception {
    Path state = tmp.resolve("running/state");
    try (StateStore s = StateStore.open(state, 1 << 24)) {
      BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, keyring, state, null,
          true));
      assertTrue(e.getMessage().startsWith("a running node uses"), e.getMessage());
    }
  }

  /** A node's state directory as kill -9 leaves it: the last writes only in a journal beside the store file. */
  private Path crashedStateDir(String name) throws Exception {
    Path live = tmp.resolve(name + "-live");
    Path image = Files.createDirectories(tmp.resolve(name + "/state"));
    Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rwx------"));
    try (StateStore s = StateStore.open(live, 1 << 24)) {
      s.raiseWatermark("task-journalled", 9, System.currentTimeMillis() + 600_000).join();
      try (var files = Files.list(live)) {
        for (Path f : files.toList()) {
          Files.copy(f, image.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return image;
  }

  private static java.util.Map<String, String> digests(Path dir) throws Exception {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        out.put(f.getFileName().toString(), BackupFiles.sha256(f));
      }
    }
    return out;
  }

  @Test
  void restore_overACrashedNodesJournals_keepsThemAsideWithTheOldState_neverReplaysThem() throws Exception {
    Path state = crashedStateDir("crashed");
    java.util.Map<String, String> before = digests(state);
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("ephyr-state.journal.")), before.toString());
    assertTrue(StateVerifier.verify(state).watermarks() == 1, "the crashed node's write is in its journal");
    BackupException e = assertThrows(BackupException.class, () -> StateRestore.restore(backup, keyring, state, null,
        false));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertEquals(before, digests(state), "a refused restore touches nothing, journals included");

    StateRestore.Restored r = StateRestore.restore(backup, keyring, state, null, true);
    assertEquals(before, digests(r.movedAside().get(0)), "the journals went aside with the state they belong to");
    try (var files = Files.list(state)) {
      assertEquals(java.util.List.of(StateStore.FILE_NAME), files.map(p -> p.getFileName().toString()).toList());
    }
    StateVerifier.Report report = StateVerifier.verify(state);
    assertEquals(2, report.watermarks(), "exactly the backup: nothing of the old journals replayed over it");
    assertEquals(0, report.journals());
  }

  @Test
  void offlineBackup_ofACrashedNode_holdsWhatOnlyItsJournalHeld() throws Exception {
    Path state = crashedStateDir("crashed-backup");
    JsonObject summary = Backups.offline(state, tmp.resolve("node/audit"), keyring, "n2",
        tmp.resolve("backup2"));
    assertEquals(1, summary.getLong("watermarks"), summary.encode());
    StateVerifier.Report copy = StateVerifier.verify(tmp.resolve("backup2/state"));
    assertEquals(1, copy.watermarks());
  }

  @Test
  void backup_intoAnExistingDirectory_isRefused() {
    BackupException e = assertThrows(BackupException.class, () -> Backups.offline(tmp.resolve("node/state"),
        tmp.resolve("node/audit"), keyring, "n1", backup));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
  }
}
