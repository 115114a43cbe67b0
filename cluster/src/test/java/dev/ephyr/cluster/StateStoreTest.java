package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The node's state store on real files: durability across reopen, group commit, and every bad-input refusal. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class StateStoreTest {

  private static final long MAX = 1L << 30;
  private static final long LATER = Instant.now().plusSeconds(3600).toEpochMilli();

  @TempDir
  Path tmp;

  private Path dir() throws IOException {
    Path d = tmp.resolve("state");
    Files.createDirectories(d);
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    return d;
  }

  private static TaskRecord task(String id, String holder) {
    return new TaskRecord(id, id, null, "alice", 0, 0, Instant.now(), Instant.now().plusSeconds(600), null, holder, "{}");
  }

  @Test
  void concurrentWrites_shareSyncs_andAllSurviveReopen() throws Exception {
    Path d = dir();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    long syncs;
    try (StateStore s = StateStore.open(d, MAX)) {
      for (int i = 0; i < 2_000; i++) {
        writes.add(s.raiseWatermark("t" + i, Long.MAX_VALUE, LATER));
      }
      writes.add(s.mergeTask(task("task-1", "jkt-1")));
      writes.add(s.putCertificate(42, LATER, "{\"serial\":42}"));
      CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      syncs = s.stats().syncs();
    }
    assertTrue(syncs < 2_000, "writes waiting together share one sync; syncs=" + syncs);
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(2_000, s.watermarks().size());
      assertEquals(Long.MAX_VALUE, s.watermarks().get("t1999").floor());
      assertEquals("jkt-1", s.tasks().get(0).holderJkt());
      assertEquals(42, s.serialHigh());
      assertEquals("{\"serial\":42}", s.certificates().get(42L));
    }
  }

  @Test
  void mergeRules_watermarkNeverLower_holderNeverChanges() throws Exception {
    try (StateStore s = StateStore.open(dir(), MAX)) {
      s.raiseWatermark("t", 5, LATER).get();
      s.raiseWatermark("t", 3, LATER).get();
      assertEquals(5, s.watermarks().get("t").floor());
      s.mergeTask(task("x", "first")).get();
      s.mergeTask(task("x", "second")).get();
      s.mergeTask(task("x", null)).get();
      assertEquals("first", s.tasks().get(0).holderJkt());
    }
  }

  @Test
  void compaction_dropsOnlyWhatExpiredBeforeTheCutoff() throws Exception {
    try (StateStore s = StateStore.open(dir(), MAX)) {
      long now = System.currentTimeMillis();
      s.raiseWatermark("old", Long.MAX_VALUE, now - 60_000).get();
      s.raiseWatermark("live", Long.MAX_VALUE, now + 60_000).get();
      s.putCertificate(1, now - 1, "{}").get();
      s.putCertificate(2, now + 60_000, "{}").get();
      int removed = s.compact(now - 30_000, now - 30_000, now).get(30, TimeUnit.SECONDS);
      assertEquals(2, removed);
      assertEquals(List.of("live"), List.copyOf(s.watermarks().keySet()));
      assertEquals(List.of(2L), List.copyOf(s.certificates().keySet()));
      assertEquals(2, s.serialHigh(), "the serial high-water mark is never compacted");
    }
  }

  @Test
  void truncatedFile_refused_andLeftUntouched() throws Exception {
    Path d = dir();
    try (StateStore s = StateStore.open(d, MAX)) {
      for (int i = 0; i < 200; i++) {
        s.raiseWatermark("t" + i, Long.MAX_VALUE, LATER).get();
      }
    }
    Path f = d.resolve(StateStore.FILE_NAME);
    byte[] all = Files.readAllBytes(f);
    byte[] cut = java.util.Arrays.copyOf(all, all.length - 100);
    Files.write(f, cut);
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("ephyr state verify"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
    assertArrayEquals(cut, Files.readAllBytes(f), "the file is left as it was");
    assertFalse(StateVerifier.verify(d).ok());
  }

  @Test
  void corruptedFile_refused_andRepairKeepsTheOriginalAside() throws Exception {
    Path d = dir();
    try (StateStore s = StateStore.open(d, MAX)) {
      s.raiseWatermark("t", Long.MAX_VALUE, LATER).get();
    }
    Path f = d.resolve(StateStore.FILE_NAME);
    byte[] all = Files.readAllBytes(f);
    byte[] bad = all.clone();
    new Random(7).nextBytes(bad); // every byte garbage, same (block-aligned) size
    Files.write(f, bad);
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("cannot be used"), e.getMessage());
    assertArrayEquals(bad, Files.readAllBytes(f));

    StateVerifier.Report repaired = StateVerifier.repair(d);
    assertTrue(repaired.ok(), repaired.problems()::toString);
    try (var files = Files.list(d)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith(StateStore.FILE_NAME + ".broken-")),
          "the original is kept for the operator");
    }
  }

  @Test
  void foreignFiles_refused() throws Exception {
    Path d = dir();
    Path f = d.resolve(StateStore.FILE_NAME);
    Files.writeString(f, "not a store at all");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertEquals("not a store at all", Files.readString(f));

    Files.delete(f);
    MVStore other = new MVStore.Builder().fileName(f.toString()).open(); // a valid engine file of someone else
    other.openMap("accounts").put("k", "v");
    other.close();
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("not an Ephyr state file"), e.getMessage());
  }

  @Test
  void loosePermissions_refused_withTheFix() throws Exception {
    Path d = dir();
    try (StateStore s = StateStore.open(d, MAX)) {
      s.raiseWatermark("t", 2, LATER).get();
    }
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("chmod 700"), e.getMessage());
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    Path f = d.resolve(StateStore.FILE_NAME);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
    e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void ownedByAnotherUser_refused() throws Exception {
    requireRoot("changing a directory's owner");
    Path d = dir();
    UserPrincipal nobody = d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(d, nobody);
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains("owned by nobody"), e.getMessage());
  }

  @Test
  void fullDisk_refusesWritesLoudly_keepsEverythingAcknowledged() throws Exception {
    requireRoot("mounting a small tmpfs");
    Path mnt = tmp.resolve("small");
    Files.createDirectories(mnt);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mnt.toString())
        .redirectErrorStream(true).start();
    boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    if (!mounted) {
      String hint = "cannot mount a tmpfs here (" + new String(p.getInputStream().readAllBytes()).trim()
          + "); run the tests as root with CAP_SYS_ADMIN";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(hint);
      }
      assumeTrue(false, hint);
    }
    try {
      List<String> acknowledged = new ArrayList<>();
      StateStoreException refused = null;
      try (StateStore s = StateStore.open(mnt, MAX)) {
        String pad = "x".repeat(2_000);
        for (int i = 0; i < 10_000 && refused == null; i++) {
          try {
            s.mergeTask(new TaskRecord("task-" + i, "task-" + i, null, "alice", 0, 0, Instant.now(),
                Instant.now().plusSeconds(600), null, null, pad)).get(30, TimeUnit.SECONDS);
            acknowledged.add("task-" + i);
          } catch (ExecutionException e) {
            refused = assertInstanceOf(StateStoreException.class, e.getCause());
          }
        }
        assertNotNull(refused, "a 256 KiB disk must fill up");
        assertFalse(s.writable());
        assertNotNull(s.stats().failure());
        ExecutionException again = assertThrows(ExecutionException.class,
            () -> s.raiseWatermark("after", 2, LATER).get(30, TimeUnit.SECONDS));
        assertInstanceOf(StateStoreException.class, again.getCause(), "fails closed from now on");
        assertTrue(s.stats().failure().contains("No space left"), s.stats().failure());
      }
      assertFalse(acknowledged.isEmpty());
      StateVerifier.Report after = StateVerifier.verify(mnt);
      assertTrue(after.tasks() >= acknowledged.size(), "nothing acknowledged was lost: " + after);
    } finally {
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void requireRoot(String what) {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(what + " needs root; CI runs the tests as root");
    }
    assumeTrue(root, what + " needs root: run the tests as root to cover it");
  }
}
