package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ephyr.testing.ChildJvm;
import dev.ephyr.testing.Eventually;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state store's write-ahead journal on real files: acknowledged writes survive kill -9 at any point around
 * checkpoints, a torn tail is dropped, every other damage is refused with the files left as they were, and
 * verify/repair see journals.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class StateJournalTest {

  private static final long MAX = 1L << 30;
  private static final long NEVER = Long.MAX_VALUE;
  private static final long LATER = Instant.now().plusSeconds(3600).toEpochMilli();

  @TempDir
  Path tmp;

  private Path dir(String name) throws IOException {
    Path d = tmp.resolve(name);
    Files.createDirectories(d);
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    return d;
  }

  // ------------------------------------------------------------------------------------------ kill -9

  @Test
  void acknowledgedWrites_surviveKill9_aroundCheckpoints() throws Exception {
    Path d = dir("killed");
    Map<String, Long> marks = new TreeMap<>();
    List<String> tasks = new ArrayList<>();
    List<Long> certs = new ArrayList<>();
    for (int round = 0; round < 4; round++) {
      List<String> acked = writeThenKill(d, "r" + round, 300 + 400 * round);
      for (String a : acked) {
        String[] f = a.split(" ");
        switch (f[0]) {
          case "mark" -> marks.put(f[1], Long.parseLong(f[2]));
          case "task" -> tasks.add(f[1]);
          default -> certs.add(Long.parseLong(f[1]));
        }
      }
      // every round reopens what the kill left: journals being written, switched or checkpointed
      StateVerifier.Report r = StateVerifier.verify(d);
      assertTrue(r.ok(), "a kill -9 leaves a sound directory: " + r.problems());
    }
    assertTrue(marks.size() > 1_000, "the writers got far: " + marks.size());
    try (StateStore s = StateStore.open(d, MAX)) {
      Map<String, Watermark> stored = s.watermarks();
      for (Map.Entry<String, Long> e : marks.entrySet()) {
        Watermark w = stored.get(e.getKey());
        assertNotNull(w, e.getKey() + " was acknowledged and is lost");
        assertTrue(w.floor() >= e.getValue(), e.getKey());
      }
      List<String> storedTasks = s.tasks().stream().map(TaskRecord::taskId).toList();
      assertTrue(storedTasks.containsAll(tasks), "every acknowledged task record survives");
      assertTrue(s.certificates().keySet().containsAll(certs), "every acknowledged certificate survives");
      assertTrue(s.serialHigh() >= certs.stream().mapToLong(Long::longValue).max().orElse(0));
    }
    try (Stream<Path> files = Files.list(d)) {
      assertEquals(List.of(StateStore.FILE_NAME), files.map(p -> p.getFileName().toString()).toList(),
          "a clean close checkpoints and deletes every journal");
    }
  }

  /** Starts a writer child, kills it with SIGKILL after {@code acks} acknowledgements; returns every ack it printed. */
  private List<String> writeThenKill(Path d, String prefix, int acks) throws Exception {
    Process p = ChildJvm.start("128m", JournalWriterMain.class.getName(), List.of(d.toString(), prefix),
        Path.of("target", "child-logs", "journal-writer.log"));
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the child died
      }
      lines.add("EOF");
    });
    pump.start();
    List<String> acked = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (acked.size() < acks) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() < deadline, "the writer did not reach " + acks + " acks; see target/child-logs");
      assertTrue(!"EOF".equals(line), "the writer died before it was killed; see target/child-logs");
      if (line != null && line.startsWith("acked ")) {
        acked.add(line.substring(6));
      }
    }
    p.destroyForcibly(); // SIGKILL while the 16 lanes keep writing and checkpoints run
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    pump.join(30_000);
    for (String line : lines) {
      if (line.startsWith("acked ")) {
        acked.add(line.substring(6)); // printed before the kill: acknowledged too
      }
    }
    return acked;
  }

  // -------------------------------------------------------------------------------- crash images

  /**
   * A store with writes acknowledged and no checkpoint yet, copied file by file while it is open: what a
   * crash at that moment leaves on disk (MVStore holds only the initial commit, the journal every write).
   */
  private Path crashImage(String name, int writes) throws Exception {
    Path live = dir(name + "-live");
    Path image = dir(name);
    try (StateStore s = StateStore.open(live, MAX, NEVER, NEVER)) {
      for (int i = 0; i < writes; i++) {
        s.raiseWatermark("t" + i, i + 1, LATER).get(30, TimeUnit.SECONDS);
      }
      s.mergeTask(new TaskRecord("task-1", "task-1", null, "alice", 0, 0, Instant.now(),
          Instant.now().plusSeconds(600), null, "jkt-1", "{}")).get(30, TimeUnit.SECONDS);
      try (Stream<Path> files = Files.list(live)) {
        for (Path f : files.toList()) {
          Files.copy(f, image.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return image;
  }

  private static Path onlyJournal(Path d) {
    List<Path> js = StateJournal.list(d);
    assertEquals(1, js.size(), js.toString());
    return js.get(0);
  }

  private static Map<String, byte[]> snapshot(Path d) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(d)) {
      for (Path f : files.toList()) {
        out.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }

  private static void assertUntouched(Map<String, byte[]> before, Path d) throws IOException {
    Map<String, byte[]> after = snapshot(d);
    assertEquals(before.keySet(), after.keySet(), "no file added or removed");
    for (String k : before.keySet()) {
      assertTrue(java.util.Arrays.equals(before.get(k), after.get(k)), k + " is byte for byte as it was");
    }
  }

  private static void assertRefusedOneLine(Path d, String expected) throws IOException {
    Map<String, byte[]> before = snapshot(d);
    StateStoreException e = assertThrows(StateStoreException.class, () -> StateStore.open(d, MAX));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertUntouched(before, d);
  }

  @Test
  void crashImage_replaysTheJournal_thenDeletesIt() throws Exception {
    Path d = crashImage("plain", 50);
    StateVerifier.Report r = StateVerifier.verify(d);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(50, r.watermarks(), "verify counts what only the journal holds");
    assertEquals(1, r.tasks());
    assertEquals(1, r.journals());
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(50, s.watermarks().size());
      assertEquals(50, s.watermarks().get("t49").floor());
      assertEquals("jkt-1", s.tasks().get(0).holderJkt());
    }
    assertEquals(List.of(), StateJournal.list(d));
  }

  @Test
  void tornTail_isDropped_andEveryAcknowledgedWriteKept() throws Exception {
    Path d = crashImage("torn", 40);
    Path j = onlyJournal(d);
    byte[] whole = Files.readAllBytes(j);
    // a crash in the middle of the next append: its length and part of its body reached the disk
    byte[] record = JournalRecord.encode(new JournalRecord.Raise("never-acked", 9, LATER));
    java.nio.ByteBuffer torn = java.nio.ByteBuffer.allocate(8 + record.length / 2);
    torn.putInt(record.length).putInt(12345).put(record, 0, record.length / 2);
    Files.write(j, torn.array(), java.nio.file.StandardOpenOption.APPEND);

    StateVerifier.Report r = StateVerifier.verify(d);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(1, r.notes().size(), r.notes().toString());
    assertTrue(r.notes().get(0).contains("incomplete last record"), r.notes().get(0));
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(40, s.watermarks().size(), "every acknowledged write kept, the torn one dropped");
      assertFalse(s.watermarks().containsKey("never-acked"));
    }
    assertTrue(whole.length > StateJournal.HEADER_BYTES);
  }

  @Test
  void unfinishedHeader_ofTheNewestJournal_isATornCreation() throws Exception {
    Path d = crashImage("half-header", 5);
    Path j = onlyJournal(d);
    Path next = d.resolve(StateJournal.PREFIX + (StateJournal.number(j) + 1));
    Files.write(next, java.util.Arrays.copyOf(Files.readAllBytes(j), 5)); // the switch died writing the header
    Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(5, s.watermarks().size());
    }
  }

  @Test
  void damageFollowedByValidRecords_isRefused_filesUntouched() throws Exception {
    Path d = crashImage("middle", 30);
    Path j = onlyJournal(d);
    byte[] b = Files.readAllBytes(j);
    b[StateJournal.HEADER_BYTES + 12] ^= 0x55; // inside the first record's body: its CRC fails, 30 good ones follow
    Files.write(j, b);
    assertRefusedOneLine(d, "followed by valid records");
    StateVerifier.Report r = StateVerifier.verify(d);
    assertFalse(r.ok());
    assertTrue(r.problems().get(0).startsWith("journal " + j.getFileName()), r.problems().get(0));
  }

  @Test
  void badHeader_isRefused_filesUntouched() throws Exception {
    Path d = crashImage("header", 3);
    Path j = onlyJournal(d);
    byte[] b = Files.readAllBytes(j);
    b[0] = 'X';
    Files.write(j, b);
    assertRefusedOneLine(d, "bad header");
  }

  @Test
  void damagedTail_ofAJournalThatIsNotTheNewest_isRefused() throws Exception {
    Path d = crashImage("older", 10);
    Path j = onlyJournal(d);
    byte[] b = Files.readAllBytes(j);
    Files.write(j, java.util.Arrays.copyOf(b, b.length - 3)); // cut its last record short
    StateJournal.create(d, StateJournal.number(j) + 1).close(); // and a newer journal exists
    assertRefusedOneLine(d, "not the newest");
  }

  @Test
  void loosePermissions_onAJournal_isRefused_withTheFix() throws Exception {
    Path d = crashImage("loose", 3);
    Files.setPosixFilePermissions(onlyJournal(d), PosixFilePermissions.fromString("rw-r--r--"));
    assertRefusedOneLine(d, "chmod 600");
  }

  @Test
  void journalOwnedByAnotherUser_isRefused() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("changing a file's owner needs root; CI runs the tests as root");
    }
    assumeTrue(root, "changing a file's owner needs root: run the tests as root to cover it");
    Path d = crashImage("foreign", 3);
    UserPrincipal nobody = d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(onlyJournal(d), nobody);
    assertRefusedOneLine(d, "owned by nobody");
  }

  @Test
  void journalsWithoutTheStateFile_areRefused() throws Exception {
    Path d = crashImage("orphan", 3);
    Files.delete(d.resolve(StateStore.FILE_NAME));
    assertRefusedOneLine(d, "no state file");
  }

  @Test
  void repair_keepsEveryProvenRecord_andSaysWhatItDropped() throws Exception {
    Path d = crashImage("repair", 30);
    Path j = onlyJournal(d);
    byte[] b = Files.readAllBytes(j);
    b[StateJournal.HEADER_BYTES + 12] ^= 0x55; // the first record (t0) is damaged, the rest are sound
    Files.write(j, b);
    StateVerifier.Report r = StateVerifier.repair(d);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(1, r.dropped().size(), r.dropped().toString());
    assertTrue(r.dropped().get(0).contains("dropped") && r.dropped().get(0).contains(j.getFileName().toString()),
        r.dropped().get(0));
    assertEquals(29, r.watermarks(), "every record after the damage passes its checksum and is kept");
    assertEquals(0, r.journals());
    assertTrue(Files.exists(d.resolve(j.getFileName() + ".broken-" + Instant.now().getEpochSecond()))
        || Files.list(d).anyMatch(p -> p.getFileName().toString().startsWith(j.getFileName() + ".broken-")),
        "the damaged journal is kept aside");
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(29, s.watermarks().size());
      assertFalse(s.watermarks().containsKey("t0"));
      assertEquals("jkt-1", s.tasks().get(0).holderJkt());
    }
  }

  // -------------------------------------------------------------------------------------- size, stats

  @Test
  void sizeLimit_andStats_countJournals() throws Exception {
    Path d = dir("size");
    try (StateStore s = StateStore.open(d, 40_000, NEVER, NEVER)) {
      long base = Files.size(d.resolve(StateStore.FILE_NAME));
      assertTrue(base < 30_000, "room for journals below the limit: " + base);
      String refused = null;
      for (int i = 0; i < 2_000 && refused == null; i++) {
        try {
          s.raiseWatermark("t" + i, 1, LATER).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          refused = e.getCause().getMessage();
        }
      }
      assertNotNull(refused, "the journal counts against state.max-size");
      assertTrue(refused.contains("is full") && refused.contains("journals"), refused);
      assertEquals(base, Files.size(d.resolve(StateStore.FILE_NAME)), "no checkpoint ran: only journals grew");
      long journals = Files.size(onlyJournal(d));
      assertEquals(base + journals, s.stats().bytes(), "status reports the store file and its journals");
    }
  }

  @Test
  void checkpoint_movesJournalledWritesIntoTheStore_andDeletesOldJournals() throws Exception {
    Path d = dir("checkpoint");
    try (StateStore s = StateStore.open(d, MAX, 2_048, NEVER)) {
      for (int i = 0; i < 400; i++) {
        s.raiseWatermark("t" + i, 1, LATER).get(30, TimeUnit.SECONDS);
      }
      Eventually.await(Duration.ofSeconds(30), "three checkpoints ran and deleted what they cover",
          () -> s.checkpoints() >= 3 && StateJournal.list(d).size() <= 2);
      assertTrue(StateJournal.list(d).size() <= 2, "covered journals are deleted: " + StateJournal.list(d));
    }
    try (StateStore s = StateStore.open(d, MAX)) {
      assertEquals(400, s.watermarks().size());
    }
  }

  @Test
  void aWriteThatCannotBeJournalled_failsAlone_andTheStoreStaysWritable() throws Exception {
    try (StateStore s = StateStore.open(dir("oversized"), MAX, NEVER, NEVER)) {
      String huge = "t".repeat(JournalRecord.MAX_STRING + 1);
      CompletableFuture<Void> bad = s.raiseWatermark(huge, 2, LATER);
      CompletableFuture<Void> good = s.raiseWatermark("fine", 2, LATER);
      ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("longer than"), e.getCause().getMessage());
      good.get(30, TimeUnit.SECONDS);
      assertTrue(s.writable());
      s.raiseWatermark("after", 3, LATER).get(30, TimeUnit.SECONDS);
    }
  }
}
