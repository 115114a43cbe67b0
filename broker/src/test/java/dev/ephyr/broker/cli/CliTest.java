package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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

  @Test
  void unknownOption_withAValue_isNamedWithoutTheValue() {
    CliHarness.Result r = new CliHarness(dir).run("admin", "status", "--key=ek_SECRETSECRETSECRET");
    assertEquals(2, r.code());
    assertEquals("ephyr admin status: unknown option --key (see 'ephyr admin status --help')\n", r.err());
    assertFalse(r.all().contains("SECRET"), "the value typed after = may be a secret");
  }

  @Test
  void flagWithAValue_optionGivenTwice_andMissingRepeatedValue_areNamed() {
    CliHarness.Result flag = new CliHarness(dir).run("agent-key", "--json=yes");
    assertEquals(2, flag.code());
    assertEquals("ephyr agent-key: --json takes no value (see 'ephyr agent-key --help')\n", flag.err());
    CliHarness.Result twice = new CliHarness(dir).run("keys", "init", "--kid", "a", "--kid=b");
    assertEquals(2, twice.code());
    assertEquals("ephyr keys init: --kid given twice (see 'ephyr keys init --help')\n", twice.err());
    CliHarness.Result url = new CliHarness(dir).run("connect", "--url");
    assertEquals(2, url.code());
    assertEquals("ephyr connect: --url needs a value (see 'ephyr connect --help')\n", url.err());
  }

  @Test
  void atFile_isAFileName_notExpandedIntoArguments() throws Exception {
    // Absolute: picocli would look for the file in the process's directory, not the harness's.
    Path args = Files.writeString(dir.resolve("args"), "--quiet\n");
    CliHarness.Result r = new CliHarness(dir).run("policy", "validate", "@" + args.toAbsolutePath());
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains("args: no such file"), r.all());
  }

  @Test
  void doubleDash_endsOptions_evenForHelp() {
    CliHarness.Result r = new CliHarness(dir).run("token", "inspect", "--", "--help");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().startsWith("ephyr token inspect: not a task token"), r.all());
    assertEquals("", r.out());
  }

  @Test
  void completion_bash_coversEveryCommandAndItsOptions() {
    CliHarness.Result r = new CliHarness(dir).run("completion", "bash");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("complete -F _complete_ephyr"), r.out());
    for (String fn : new String[] {"_picocli_ephyr_keys_rotate", "_picocli_ephyr_admin_policyreload",
        "_picocli_ephyr_agentkey", "_picocli_ephyr_connect", "_picocli_ephyr_completion"}) {
      assertTrue(r.out().contains(fn), fn);
    }
    for (String option : new String[] {"--kid", "--keyring", "--print-config", "--accept-missing-audit-head"}) {
      assertTrue(r.out().contains(option), option);
    }
    CliHarness.Result fish = new CliHarness(dir).run("completion", "fish");
    assertEquals(2, fish.code());
    assertTrue(fish.err().contains("unsupported shell 'fish'"), fish.err());
  }
}
