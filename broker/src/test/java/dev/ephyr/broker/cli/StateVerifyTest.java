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
}
