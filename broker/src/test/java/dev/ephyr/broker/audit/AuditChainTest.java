package dev.ephyr.broker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain attacked directly: edit, delete, reorder, truncate, forge; and what must keep verifying. */
class AuditChainTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  final Keyring keyring = Keyring.generate("k1", RANDOM);
  final AuditKeys keys = AuditKeys.of(keyring);

  private AuditLog open(long maxBytes) throws Exception {
    return AuditLog.open(dir, keys, maxBytes, CLOCK, "n1", false);
  }

  private static List<JsonObject> events(int n, String tag) {
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(AuditEvent.builder(CLOCK.instant(), "n1", "tools/call task_info").agent("alice")
          .task("01HZZZZZZZZZZZZZZZZZZZZZZ" + (i % 10)).detail(tag + " " + i).build().toJson());
    }
    return out;
  }

  private AuditVerifier.Report verify() throws Exception {
    // No wait for a running writer's head: nothing writes here.
    return new AuditVerifier(keys, java.time.Duration.ZERO).verify(AuditFiles.list(dir), dir.resolve(AuditFiles.HEAD));
  }

  private Path only() throws Exception {
    List<Path> files = AuditFiles.list(dir);
    assertEquals(1, files.size(), files.toString());
    return files.get(0);
  }

  private void writeSome(int n) throws Exception {
    try (AuditLog log = open(1 << 20)) {
      log.append(events(n, "batch"));
    }
  }

  private static void rewrite(Path file, List<String> lines) throws Exception {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void intactChain_verifies_andEndsWithStop() throws Exception {
    writeSome(10);
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    assertEquals(12, r.records()); // start + 10 + stop
    assertEquals(1, r.firstSeq());
    List<String> lines = Files.readAllLines(only());
    assertTrue(lines.get(0).contains("\"event\":\"audit.start\""));
    assertTrue(lines.get(11).contains("\"event\":\"audit.stop\""));
    assertTrue(lines.get(1).contains("\"prev\":\"") && lines.get(1).endsWith("\"}"));
  }

  @Test
  void editedRecord_isFound_withFileAndLine() throws Exception {
    writeSome(10);
    Path f = only();
    List<String> lines = Files.readAllLines(f);
    lines.set(4, lines.get(4).replace("\"decision\":\"allow\"", "\"decision\":\"deny\""));
    rewrite(f, lines);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().startsWith(f + ":5: MAC mismatch"), r.problem());
  }

  @Test
  void recomputedPlainHash_doesNotHelp_withoutTheKey() throws Exception {
    writeSome(3);
    Path f = only();
    List<String> lines = Files.readAllLines(f);
    // An attacker rewrites record 2 and signs it with a key of their own (a different keyring).
    AuditKeys other = AuditKeys.of(Keyring.generate("k1", RANDOM));
    AuditLine.Parsed.Record prev = (AuditLine.Parsed.Record) AuditLine.parse(lines.get(0));
    JsonObject forged = new JsonObject(lines.get(1));
    forged.put("agent", "mallory");
    lines.set(1, AuditLine.sign(forged, 2, prev.mac(), other).line());
    rewrite(f, lines);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().contains(":2: MAC mismatch"), r.problem());
  }

  @Test
  void deletedRecord_isFound() throws Exception {
    writeSome(10);
    Path f = only();
    List<String> lines = new ArrayList<>(Files.readAllLines(f));
    lines.remove(5);
    rewrite(f, lines);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().startsWith(f + ":6: seq 7 follows seq 5 (1 record(s) missing"), r.problem());
  }

  @Test
  void reorderedRecords_areFound() throws Exception {
    writeSome(10);
    Path f = only();
    List<String> lines = new ArrayList<>(Files.readAllLines(f));
    String a = lines.get(3);
    lines.set(3, lines.get(4));
    lines.set(4, a);
    rewrite(f, lines);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().startsWith(f + ":4: seq 5 follows seq 3"), r.problem());
  }

  @Test
  void recordsCutFromTheEnd_areFound_byTheHead() throws Exception {
    writeSome(10);
    Path f = only();
    List<String> lines = new ArrayList<>(Files.readAllLines(f));
    rewrite(f, lines.subList(0, 7)); // whole records gone, the chain itself still intact
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().contains("truncated: the chain ends at seq 7 but the head records seq 12"), r.problem());
    assertTrue(r.problem().contains("5 record(s) missing at the end"), r.problem());
  }

  @Test
  void fileCutInTheMiddleOfARecord_isFound() throws Exception {
    writeSome(5);
    Path f = only();
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length - 40));
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().contains(":7: incomplete last record"), r.problem());
  }

  @Test
  void forgedHead_isRefused() throws Exception {
    writeSome(5);
    Path head = dir.resolve(AuditFiles.HEAD);
    JsonObject h = new JsonObject(Files.readString(head).trim());
    h.put("seq", 3);
    Files.writeString(head, h.encode());
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().contains("head file MAC mismatch"), r.problem());
  }

  @Test
  void restart_continuesTheChain() throws Exception {
    writeSome(3);
    writeSome(4);
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    assertEquals(2 + 3 + 2 + 4, r.records());
    List<String> lines = Files.readAllLines(only());
    assertTrue(lines.get(5).contains("\"event\":\"audit.start\"") && lines.get(5).contains("resumed after seq 5"),
        lines.get(5));
  }

  @Test
  void crashMidRecord_isCutAndRecorded_andTheChainGoesOn() throws Exception {
    AuditLog log = open(1 << 20);
    log.append(events(3, "before crash"));
    // No stop record: the process died while writing the next line.
    Files.writeString(log.file(), "{\"seq\":5,\"time\":\"2026-03-01T10:0", StandardOpenOption.APPEND);
    try (AuditLog again = open(1 << 20)) {
      again.append(events(1, "after restart"));
    }
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    String text = Files.readString(only());
    assertTrue(text.contains("\"event\":\"audit.recovered\"") && text.contains("incomplete_record"), text);
  }

  @Test
  void rotation_keepsOneChain_acrossFiles_andAMissingFileIsFound() throws Exception {
    try (AuditLog log = open(4096)) {
      for (int i = 0; i < 12; i++) {
        log.append(events(5, "rotating"));
      }
    }
    List<Path> files = AuditFiles.list(dir);
    assertTrue(files.size() >= 3, files.toString());
    assertTrue(Files.readString(files.get(0)).contains("\"event\":\"audit.rotate\""));
    AuditVerifier.Report ok = verify();
    assertTrue(ok.ok(), ok.toString());
    Files.delete(files.get(1));
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().startsWith(files.get(2) + ":1: seq "), r.problem());
  }

  @Test
  void afterKeyRotation_oldRecordsStillVerify_butNotWithoutTheirKid() throws Exception {
    writeSome(2);
    Keyring rotated = keyring.rotate("k2", RANDOM);
    try (AuditLog log = AuditLog.open(dir, AuditKeys.of(rotated), 1 << 20, CLOCK, "n1", false)) {
      log.append(events(2, "k2"));
    }
    String text = Files.readString(only());
    assertTrue(text.contains("\"kid\":\"k1\"") && text.contains("\"kid\":\"k2\""));
    AuditVerifier.Report r = new AuditVerifier(AuditKeys.of(rotated)).verify(AuditFiles.list(dir),
        dir.resolve(AuditFiles.HEAD));
    assertTrue(r.ok(), r.toString());
    AuditVerifier.Report retired = new AuditVerifier(AuditKeys.of(rotated.retire("k1"))).verify(AuditFiles.list(dir),
        dir.resolve(AuditFiles.HEAD));
    assertFalse(retired.ok());
    assertTrue(retired.problem().contains(":1: signed with key id 'k1'"), retired.problem());
  }

  @Test
  void noSecretsOrKeyBytes_inRecords() throws Exception {
    writeSome(2);
    String text = Files.readString(only());
    String keyringJson = new String(keyring.toJson(dev.ephyr.protocol.InsecureSecretAccess.get()),
        StandardCharsets.UTF_8);
    JsonObject k = new JsonObject(keyringJson);
    k.getJsonObject("keys").forEach(e -> assertFalse(text.contains(String.valueOf(e.getValue())), "key material"));
  }

  // ------------------------------------------------------------------ the head: missing, stale, at startup

  @Test
  void deletedHead_isAFailure_notANote() throws Exception {
    writeSome(5);
    Files.delete(dir.resolve(AuditFiles.HEAD));
    AuditVerifier.Report r = verify();
    assertFalse(r.ok(), r.toString());
    assertTrue(r.problem().startsWith(dir.resolve(AuditFiles.HEAD) + ": head file missing"), r.problem());
    assertTrue(r.problem().contains("--no-head"), "names the way to verify without a head: " + r.problem());
  }

  @Test
  void withNoHeadAsked_theChainVerifies_andTheReportSaysWhatItCannotShow() throws Exception {
    writeSome(5);
    Files.delete(dir.resolve(AuditFiles.HEAD));
    AuditVerifier.Report r = new AuditVerifier(keys).verify(AuditFiles.list(dir), null);
    assertTrue(r.ok(), r.toString());
    assertTrue(r.notes().stream().anyMatch(n -> n.contains("records cut from the end would not show")), r.toString());
  }

  /** Writes 3 events (head at seq 4), keeps a copy of that head, then writes 5 more and stops (seq 10). */
  private Path olderHeadCopy() throws Exception {
    Path copy = dir.getParent().resolve(dir.getFileName() + "-old.head");
    try (AuditLog log = open(1 << 20)) {
      log.append(events(3, "early"));
      Files.copy(dir.resolve(AuditFiles.HEAD), copy, StandardCopyOption.REPLACE_EXISTING);
      log.append(events(5, "late"));
    }
    return copy;
  }

  @Test
  void recordsCut_andTheHeadReplacedByAnOlderCopy_isAStaleHead() throws Exception {
    Path old = olderHeadCopy();
    Path f = only();
    rewrite(f, Files.readAllLines(f).subList(0, 7)); // seq 8..10 gone
    Files.copy(old, dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING); // head says seq 4
    AuditVerifier.Report r = verify();
    assertFalse(r.ok(), r.toString());
    assertTrue(r.problem().startsWith(f + ":7: stale head: the head records seq 4"), r.problem());
    assertTrue(r.problem().contains("3 record(s) after it"), r.problem());
  }

  @Test
  void recordsAppendedWithoutTheHead_isAStaleHead() throws Exception {
    Path old = olderHeadCopy();
    Files.copy(old, dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok(), r.toString());
    assertTrue(r.problem().startsWith(only() + ":10: stale head: the head records seq 4"), r.problem());
  }

  @Test
  void aHeadOfAnotherChain_isRefused_evenWhenItsSeqIsInRange() throws Exception {
    writeSome(5);
    Path theirs = dir.getParent().resolve(dir.getFileName() + "-other");
    try (AuditLog log = AuditLog.open(theirs, keys, 1 << 20, CLOCK, "n2", false)) {
      log.append(events(1, "other node"));
    }
    Files.copy(theirs.resolve(AuditFiles.HEAD), dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING);
    AuditVerifier.Report r = verify();
    assertFalse(r.ok(), r.toString());
    assertTrue(r.problem().contains("is not the one the head records")
        || r.problem().contains("does not match the record"), r.problem());
  }

  @Test
  void opening_aTrailWithRecordsButNoHead_isRefused_untilAccepted_andTheAcceptanceIsRecorded() throws Exception {
    writeSome(3);
    Files.delete(dir.resolve(AuditFiles.HEAD));
    byte[] before = Files.readAllBytes(only());
    IOException e = assertThrows(IOException.class, () -> open(1 << 20));
    assertTrue(e.getMessage().contains("head file " + AuditFiles.HEAD + " is missing"), e.getMessage());
    assertTrue(e.getMessage().contains("audit.accept-missing-head") && e.getMessage().contains(
        "--accept-missing-audit-head"), "names the setting and the flag: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(only())), "the trail is left untouched");
    assertFalse(Files.exists(dir.resolve(AuditFiles.HEAD)), "no new head hides the problem");

    try (AuditLog log = AuditLog.open(dir, keys, 1 << 20, CLOCK, "n1", false, HeadCheck.ACCEPT_AND_RECORD)) {
      log.append(events(1, "after"));
    }
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    String accepted = Files.readAllLines(only()).get(5);
    assertTrue(accepted.contains("\"event\":\"audit.head-accepted\"") && accepted.contains("head_missing")
        && accepted.contains("audit.accept-missing-head"), accepted);
  }

  @Test
  void opening_aTrailCutBehindItsHead_isRefused_soRestartingDoesNotEraseTheEvidence() throws Exception {
    writeSome(10);
    Path f = only();
    rewrite(f, Files.readAllLines(f).subList(0, 7));
    IOException e = assertThrows(IOException.class, () -> open(1 << 20));
    assertTrue(e.getMessage().contains("the head records seq 12 but the files end at seq 7"), e.getMessage());
    AuditVerifier.Report r = verify();
    assertFalse(r.ok());
    assertTrue(r.problem().contains("truncated"), "the evidence is still there: " + r.problem());
  }

  @Test
  void opening_aDirectoryWhoseFilesAreGone_butWhoseHeadRemains_isRefused() throws Exception {
    writeSome(3);
    Files.delete(only());
    IOException e = assertThrows(IOException.class, () -> open(1 << 20));
    assertTrue(e.getMessage().contains("no audit files"), e.getMessage());
  }

  @Test
  void opening_afterACrashBetweenABatchAndItsHead_resumes_andSaysSo() throws Exception {
    Path old = olderHeadCopy();
    Path f = only();
    List<String> lines = Files.readAllLines(f);
    rewrite(f, lines.subList(0, lines.size() - 1)); // no stop record: the node died ...
    Files.copy(old, dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING); // ... before the head
    try (AuditLog log = open(1 << 20)) {
      log.append(events(1, "after the crash"));
    }
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    assertTrue(Files.readString(f).contains("written after the head"), "the start record says what it found");
  }

  @Test
  void aStopRightAfterARotation_leavesAnEmptyFile_andTheChainGoesOnFromThePreviousOne() throws Exception {
    writeSome(3);
    Files.createFile(dir.resolve(AuditFiles.name(2))); // rotated, then stopped before writing to the new file
    try (AuditLog log = open(1 << 20)) {
      log.append(events(1, "after"));
    }
    AuditVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    assertTrue(Files.readString(dir.resolve(AuditFiles.name(2))).contains("resumed after seq 5 of "
        + AuditFiles.name(1)));
  }

  @Test
  void aRunningWriter_whoseHeadMovesOnWhileVerifying_isNotAStaleHead() throws Exception {
    Path old = olderHeadCopy();
    Path head = dir.resolve(AuditFiles.HEAD);
    String current = Files.readString(head);
    Files.copy(old, head, StandardCopyOption.REPLACE_EXISTING);
    // The writer's head update lands while verify looks at the files (as after a running node's fsync).
    java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        Files.writeString(head, current);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, java.util.concurrent.CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
    AuditVerifier.Report r = new AuditVerifier(keys, java.time.Duration.ofSeconds(30)).verify(AuditFiles.list(dir), head);
    writer.join();
    // Normally noted as "the node wrote while this ran"; on a machine slow enough to start verify after the
    // update, the head simply matches. Either way it is not a stale head.
    assertTrue(r.ok(), r.toString());
  }
}
