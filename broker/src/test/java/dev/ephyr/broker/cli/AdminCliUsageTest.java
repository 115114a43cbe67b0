package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong admin and audit command lines: one clear line, exit 2, and never a secret taken from argv. */
class AdminCliUsageTest {
  @TempDir Path dir;

  private CliHarness.Result run(String... args) {
    CliHarness h = new CliHarness(dir);
    h.env.put("EPHYR_ADMIN_KEY", "ek_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    return h.run(args);
  }

  @Test
  void usageErrors_areOneLine_exit2() {
    CliHarness.Result r = run("admin", "tasks");
    assertEquals(2, r.code(), r.all());
    assertTrue(r.err().contains("give exactly one of --agent NAME or --root TASK"), r.err());
    r = run("admin", "tree", "not-a-task");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("'not-a-task' is not a task id"), r.err());
    r = run("admin", "reissue", "mac_AAAA");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("pass the token on stdin, not as an argument"), r.err());
    r = run("admin", "policy-reload");
    assertEquals(2, r.code());
    r = run("admin", "config-reload", "--node", "n1", "--all");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("give --node ID or --all"), r.err());
    r = run("admin", "status", "--url", "http://u:p@127.0.0.1:1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("without user info or query"), r.err());
    r = run("admin", "status", "--key", "ek_x");
    assertEquals(2, r.code(), "there is no option that takes the credential");
    r = run("audit", "verify", "somewhere");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--keyring is required"), r.err());
    r = run("admin", "key");
    assertEquals(2, r.code());
  }

  @Test
  void unreachableNode_saysWhereItLooked() {
    CliHarness.Result r = run("admin", "status", "--url", "http://127.0.0.1:1", "--timeout", "5");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().startsWith("ephyr admin status: cannot connect to http://127.0.0.1:1"), r.err());
  }

  @Test
  void help_listsTheAdminCommands() {
    CliHarness.Result r = new CliHarness(dir).run("admin", "--help");
    assertEquals(0, r.code());
    for (String c : new String[] {"admin status", "admin tree", "admin revoke", "admin audit", "admin key",
        "admin config-reload"}) {
      assertTrue(r.out().contains(c), r.out());
    }
  }

  @Test
  void adminKey_hint_namesTheNodeUrl_notJustTheDevDefault() {
    CliHarness.Result r = run("admin", "key", "--admin", "ops", "--out", "ops.key");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("EPHYR_ADMIN_KEY_FILE=ops.key ephyr admin status --url http://NODE:PORT"), r.out());
    assertTrue(r.out().contains("EPHYR_ADMIN_URL"), r.out());
  }
}
