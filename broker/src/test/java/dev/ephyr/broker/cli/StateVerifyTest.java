package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.cluster.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr state verify}: reports a sound store, names a damaged one without touching it, repairs on request. */
class StateVerifyTest {
  @TempDir Path cwd;

  @Test
  void verify_sound_truncated_thenRepair() throws Exception {
    Path dir = cwd.resolve("state");
    try (StateStore s = StateStore.open(dir, 1L << 30)) {
      s.raiseWatermark("task-1", Long.MAX_VALUE, System.currentTimeMillis() + 600_000).get();
    }
    CliHarness h = new CliHarness(cwd);
    OutputWatch out = new OutputWatch("OK");
    assertEquals(0, h.run(out, new OutputWatch("-"), "", "state", "verify", dir.toString()), out.text());
    assertTrue(out.text().startsWith("OK: 1 watermarks"), out.text());

    Path file = dir.resolve(StateStore.FILE_NAME);
    byte[] all = Files.readAllBytes(file);
    byte[] cut = java.util.Arrays.copyOf(all, all.length - 10);
    Files.write(file, cut);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    OutputWatch broken = new OutputWatch("BROKEN");
    assertEquals(1, h.run(broken, new OutputWatch("-"), "", "state", "verify", dir.toString()), broken.text());
    assertTrue(broken.text().contains("truncated"), broken.text());
    assertTrue(java.util.Arrays.equals(cut, Files.readAllBytes(file)), "verify never writes");

    OutputWatch repaired = new OutputWatch("REPAIRED");
    assertEquals(0, h.run(repaired, new OutputWatch("-"), "", "state", "verify", "--repair", dir.toString()),
        repaired.text());
    assertTrue(repaired.text().startsWith("REPAIRED"), repaired.text());
    try (var files = Files.list(dir)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().contains(".broken-")), "the original is kept");
    }
  }

  @Test
  void verify_reportsJournals_namesADamagedOne_thenRepairSaysWhatItDropped() throws Exception {
    Path live = cwd.resolve("live");
    Path dir = Files.createDirectories(cwd.resolve("crashed"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    try (StateStore s = StateStore.open(live, 1L << 30)) {
      for (int i = 0; i < 3; i++) {
        s.raiseWatermark("task-" + i, Long.MAX_VALUE, System.currentTimeMillis() + 600_000).get();
      }
      try (var files = Files.list(live)) { // what kill -9 leaves: the writes only in the journal
        for (Path f : files.toList()) {
          Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    CliHarness h = new CliHarness(cwd);
    OutputWatch out = new OutputWatch("OK");
    assertEquals(0, h.run(out, new OutputWatch("-"), "", "state", "verify", dir.toString()), out.text());
    assertTrue(out.text().startsWith("OK: 3 watermarks") && out.text().contains(", 1 journal"), out.text());

    Path journal;
    try (var files = Files.list(dir)) {
      journal = files.filter(p -> p.getFileName().toString().startsWith("ephyr-state.journal.")).findFirst()
          .orElseThrow();
    }
    byte[] b = Files.readAllBytes(journal);
    b[12 + 12] ^= 0x55; // the first record's body, two sound records after it
    Files.write(journal, b);
    OutputWatch broken = new OutputWatch("BROKEN");
    assertEquals(1, h.run(broken, new OutputWatch("-"), "", "state", "verify", dir.toString()), broken.text());
    assertTrue(broken.text().contains(journal.getFileName() + ": damaged record at offset 12"), broken.text());
    assertTrue(java.util.Arrays.equals(b, Files.readAllBytes(journal)), "verify never writes");

    OutputWatch repaired = new OutputWatch("REPAIRED");
    assertEquals(0, h.run(repaired, new OutputWatch("-"), "", "state", "verify", "--repair", dir.toString()),
        repaired.text());
    assertTrue(repaired.text().startsWith("REPAIRED: 2 watermarks"), repaired.text());
    assertTrue(repaired.text().contains("dropped: journal " + journal.getFileName()), repaired.text());
  }
}
