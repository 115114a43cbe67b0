package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The picocli model: every command in it, every option it parses documented in that command's help. */
class CommandTreeTest {
  @TempDir Path dir;

  private static List<CommandLine> leaves(CommandLine node) {
    List<CommandLine> out = new ArrayList<>();
    if (node.getSubcommands().isEmpty()) {
      out.add(node);
    }
    for (CommandLine sub : node.getSubcommands().values()) {
      out.addAll(leaves(sub));
    }
    return out;
  }

  @Test
  void everyOptionAParserAccepts_isInItsCommandsHelp_withADescription() {
    List<CommandLine> leaves = leaves(new Cli().tree());
    assertTrue(leaves.size() >= 23, "commands in the tree: " + leaves.size());
    for (CommandLine leaf : leaves) {
      Command command = (Command) leaf.getCommandSpec().userObject();
      CliHarness.Result help = new CliHarness(dir).run((command.name() + " --help").split(" "));
      assertEquals(0, help.code(), help.all());
      assertTrue(help.out().startsWith("Usage: ephyr " + command.name()), help.out());
      for (OptionSpec o : leaf.getCommandSpec().options()) {
        assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), command.name() + " " + o.longestName());
        assertTrue(help.out().contains(o.longestName()), command.name() + " help lacks " + o.longestName());
      }
    }
  }

  @Test
  void completionScript_hasAFunctionForEveryCommand_andListsItsOptions() {
    CliHarness.Result r = new CliHarness(dir).run("completion", "bash");
    assertEquals(0, r.code(), r.all());
    for (CommandLine leaf : leaves(new Cli().tree())) {
      Command command = (Command) leaf.getCommandSpec().userObject();
      String fn = "function _picocli_ephyr_" + command.name().replace(" ", "_").replace("-", "") + "()";
      int at = r.out().indexOf(fn);
      assertTrue(at >= 0, "no completion for " + command.name());
      String body = r.out().substring(at, r.out().indexOf("\n}\n", at));
      for (OptionSpec o : leaf.getCommandSpec().options()) {
        assertTrue(body.contains(o.longestName()), command.name() + " completion lacks " + o.longestName());
      }
    }
  }

  @Test
  void noCommandTakesASecretAsAnOptionValue() {
    Set<String> secrets = Set.of("--token", "--credential", "--api-key", "--password", "--secret");
    for (CommandLine leaf : leaves(new Cli().tree())) {
      for (OptionSpec o : leaf.getCommandSpec().options()) {
        for (String name : o.names()) {
          assertFalse(secrets.contains(name), leaf.getCommandName() + " " + name);
          // signer's --key names the CA key's file; anywhere else it would invite a key on the command line
          assertTrue(!name.equals("--key") || leaf.getCommandName().equals("signer"), leaf.getCommandName());
        }
      }
    }
  }
}
