package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.cluster.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr state backup --offline} and {@code ephyr state restore} as an operator types them. */
class StateBackupCliTest {
  @TempDir Path cwd;

  @Test
  void offlineBackup_thenCheck_thenRestore_andTheRefusals() throws Exception {
    CliHarness h = new CliHarness(cwd);
    assertEquals(0, h.run(new OutputWatch("-"), new OutputWatch("-"), "", "keys", "init", "keyring.json"));
    assertEquals(0, h.run(new OutputWatch("-"), new OutputWatch("-"), "", "keys", "init", "other.json"));
    Path state = cwd.resolve("node/state");
    try (StateStore s = StateStore.open(state, 1L << 30)) {
      s.raiseWatermark("task-1", Long.MAX_VALUE, System.currentTimeMillis() + 600_000).get();
    }
    Files.createDirectories(cwd.resolve("node/audit"));

    OutputWatch out = new OutputWatch("backup written");
    assertEquals(0, h.run(out, new OutputWatch("-"), "", "state", "backup", "b1", "--offline", "--state-dir",
        "node/state", "--audit-dir", "node/audit", "--keyring", "keyring.json", "--node", "n1"), out.text());
    assertTrue(out.text().contains("1 watermarks"), out.text());

    OutputWatch mixed = new OutputWatch("-");
    assertEquals(2, h.run(new OutputWatch("-"), mixed, "", "state", "backup", "b2", "--offline", "--state-dir",
        "node/state", "--audit-dir", "node/audit", "--keyring", "keyring.json", "--url", "http://127.0.0.1:1"));
    assertTrue(mixed.text().contains("--url is for a running node"), mixed.text());

    OutputWatch noParent = new OutputWatch("-");
    assertEquals(1, h.run(new OutputWatch("-"), noParent, "", "state", "backup", "missing/b3", "--offline",
        "--state-dir", "node/state", "--audit-dir", "node/audit", "--keyring", "keyring.json", "--node", "n1"));
    assertTrue(noParent.text().contains("missing does not exist; create it first"), noParent.text());

    OutputWatch check = new OutputWatch("OK");
    assertEquals(0, h.run(check, new OutputWatch("-"), "", "state", "restore", "b1", "--keyring", "keyring.json",
        "--check"), check.text());

    OutputWatch foreign = new OutputWatch("-");
    assertEquals(1, h.run(new OutputWatch("-"), foreign, "", "state", "restore", "b1", "--keyring", "other.json",
        "--state-dir", "fresh/state"));
    assertTrue(foreign.text().contains("another keyring"), foreign.text());
    assertFalse(Files.exists(cwd.resolve("fresh/state")));

    OutputWatch busy = new OutputWatch("-");
    assertEquals(1, h.run(new OutputWatch("-"), busy, "", "state", "restore", "b1", "--keyring", "keyring.json",
        "--state-dir", "node/state"));
    assertTrue(busy.text().contains("not empty"), busy.text());

    OutputWatch restored = new OutputWatch("restored");
    assertEquals(0, h.run(restored, new OutputWatch("-"), "", "state", "restore", "b1", "--keyring", "keyring.json",
        "--state-dir", "fresh/state", "--audit-dir", "fresh/audit"), restored.text());
    OutputWatch verify = new OutputWatch("OK");
    assertEquals(0, h.run(verify, new OutputWatch("-"), "", "state", "verify", "fresh/state"), verify.text());
    assertTrue(verify.text().startsWith("OK: 1 watermarks"), verify.text());
  }
}
