package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link StateStore#backupTo}: a copy taken while writes go on holds every write acknowledged before it was asked. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class StateStoreBackupTest {
  private static final long LATER = Instant.now().plusSeconds(3600).toEpochMilli();

  @TempDir
  Path tmp;

  @Test
  void backupTo_whileWritesRace_holdsEveryWriteAcknowledgedBeforeIt() throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Path copyDir = Files.createDirectory(tmp.resolve("copy"), java.nio.file.attribute.PosixFilePermissions
        .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    Set<String> ackedBefore;
    StateStore.Backup b;
    try (StateStore s = StateStore.open(tmp.resolve("state"), 1L << 30)) {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        String id = "task-" + i;
        writes.add(s.raiseWatermark(id, Long.MAX_VALUE, LATER).thenRun(() -> acked.add(id)));
        if (i == 1000) {
          writes.get(500).get(30, TimeUnit.SECONDS); // some are acknowledged, many are still queued
        }
      }
      ackedBefore = Set.copyOf(acked);
      b = s.backupTo(copyDir.resolve(StateStore.FILE_NAME)).get(30, TimeUnit.SECONDS);
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      s.raiseSerialHigh(7).get();
    }
    assertTrue(ackedBefore.size() > 500, "writes were acknowledged before the backup: " + ackedBefore.size());
    StateVerifier.Report r = StateVerifier.verify(copyDir);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(b.watermarks(), r.watermarks());
    try (StateStore copy = StateStore.open(copyDir, 1L << 30)) {
      Map<String, Watermark> marks = copy.watermarks();
      for (String id : ackedBefore) {
        assertEquals(Long.MAX_VALUE, marks.get(id) == null ? -1 : marks.get(id).floor(), id + " is in the copy");
      }
      assertEquals(0, copy.serialHigh(), "what was written after the copy is not in it");
    }
  }

  @Test
  void backupTo_anExistingFile_isRefused_andLeavesItAlone() throws Exception {
    Path existing = Files.writeString(tmp.resolve("there"), "keep");
    try (StateStore s = StateStore.open(tmp.resolve("state"), 1L << 30)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> s.backupTo(existing).get(30,
          TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("cannot create the backup file"), e.getCause().getMessage());
      assertTrue(s.writable(), "a refused backup does not fail the store");
    }
    assertEquals("keep", Files.readString(existing));
  }
}
