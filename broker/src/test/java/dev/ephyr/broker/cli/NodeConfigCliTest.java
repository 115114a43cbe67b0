package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr node} with a bad configuration prints every problem, each with its line, and exits 1. */
class NodeConfigCliTest {
  @TempDir
  Path dir;

  @Test
  void node_withSeveralBadSettings_listsThemAll_andExits1() throws Exception {
    Files.writeString(dir.resolve("node.yaml"), "http:\n  prot: 1\nssh:\n  max-sessions: 0\n");
    CliHarness h = new CliHarness(dir);
    h.env.put("EPHYR_TASKS_MAX_TTL", "31d");
    CliHarness.Result r = h.run("node", "--config", "node.yaml");
    assertEquals(1, r.code(), r.all());
    String file = dir.resolve("node.yaml").toString();
    assertEquals("ephyr node: 3 problems in the node configuration:\n"
        + "  EPHYR_TASKS_MAX_TTL: tasks.max-ttl must be between 1ms and 30d, got 31d\n"
        + "  " + file + ":2: unknown setting 'http.prot' (did you mean 'http.port'?)\n"
        + "  " + file + ":4: ssh.max-sessions must be an integer between 1 and 100000, got 0\n", r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }
}
