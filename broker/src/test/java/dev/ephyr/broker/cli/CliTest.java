package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {
  @TempDir Path dir;

  @Test
  void help_listsEveryCommand_andExitsZero() {
    CliHarness.Result r = new CliHarness(dir).run("--help");
    assertEquals(0, r.code(), r.all());
    for (String c : new String[] {"dev", "node", "keys init", "keys rotate", "keys fingerprint", "agent-key",
        "token inspect", "policy validate"}) {
      assertTrue(r.out().contains("  " + c + " "), "missing " + c + ": " + r.out());
    }
    assertEquals("", r.err());
  }

  @Test
  void version_printsOneLine() {
    CliHarness.Result r = new CliHarness(dir).run("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("ephyr ") && r.out().lines().count() == 1, r.out());
  }

  @Test
  void noArguments_printsTheOverview_asAUsageError() {
    CliHarness.Result r = new CliHarness(dir).run();
    assertEquals(2, r.code());
    assertTrue(r.out().startsWith("Usage: ephyr COMMAND"), r.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "node", "keys init", "keys rotate", "keys fingerprint", "keys retire", "agent-key",
      "token inspect", "policy validate"})
  void everyCommand_hasHelp(String command) {
    String[] words = (command + " --help").split(" ");
    CliHarness.Result r = new CliHarness(dir).run(words);
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().startsWith("Usage: ephyr " + command), r.out());
    assertEquals("", r.err());
    CliHarness.Result viaHelp = new CliHarness(dir).run(("help " + command).split(" "));
    assertEquals(r.out(), viaHelp.out());
  }

  @Test
  void groupHelp_listsItsCommands() {
    CliHarness.Result r = new CliHarness(dir).run("keys", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("keys rotate"), r.out());
    assertEquals(2, new CliHarness(dir).run("keys").code());
  }

  @Test
  void unknownCommand_isAUsageError_withAHint() {
    CliHarness.Result r = new CliHarness(dir).run("tokn", "inspect");
    assertEquals(2, r.code());
    assertEquals("ephyr: unknown command 'tokn' (did you mean 'token'?) (see 'ephyr --help')\n", r.err());
    assertEquals("", r.out());
    CliHarness.Result sub = new CliHarness(dir).run("keys", "rotat");
    assertEquals(2, sub.code());
    assertTrue(sub.err().contains("unknown keys command 'rotat' (did you mean 'keys rotate'?)"), sub.err());
  }

  @Test
  void unknownOption_isAUsageError_onOneLine() {
    CliHarness.Result r = new CliHarness(dir).run("keys", "init", "--frce");
    assertEquals(2, r.code());
    assertEquals("ephyr keys init: unknown option --frce (did you mean '--force'?) (see 'ephyr keys init --help')\n",
        r.err());
  }

  @Test
  void missingOptionValue_isAUsageError() {
    CliHarness.Result r = new CliHarness(dir).run("node", "--config");
    assertEquals(2, r.code());
    assertEquals("ephyr node: --config needs a value (see 'ephyr node --help')\n", r.err());
  }

  @Test
  void node_withAMissingConfig_failsOnOneLine() {
    CliHarness.Result r = new CliHarness(dir).run("node", "--config", "nope.yaml");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().startsWith("ephyr node: ") && r.err().contains("nope.yaml"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }

  @Test
  void dev_badPort_isAUsageError() {
    CliHarness.Result r = new CliHarness(dir).run("dev", "--port", "99999");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--port must be a port number"), r.err());
  }
}
