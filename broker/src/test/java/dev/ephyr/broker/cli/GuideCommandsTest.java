package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Every {@code ephyr} command line in the shell blocks of the operator guides is one the command line accepts as
 * written: an existing command, only options it has, values where they take one. (What they do is shown by the
 * tests of each command; this keeps the guides from drifting away from the options.)
 */
class GuideCommandsTest {
  /** {@code ./ephyr} or {@code bin/ephyr} after a blank, or {@code ephyr} (on the PATH) where a command starts. */
  private static final Pattern LAUNCHER = Pattern.compile("(?:(?:^|\\s)(?:\\./|bin/)|"
      + "(?:^(?:[A-Za-z_]\\w*=\\S*\\s+)*|\\$\\(\\s*|[|;&]\\s*))ephyr\\s+(.*)$");
  private static final List<String> GUIDES = List.of("docs/operations.md", "docs/ssh.md", "docs/admin.md",
      "README.md");

  private static Path root() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("docs")) ? here : here.getParent();
  }

  /** The {@code ephyr} command lines of the {@code sh} blocks, continuation lines joined, comments dropped. */
  static List<String> commandLines(String markdown) {
    List<String> out = new ArrayList<>();
    boolean inSh = false;
    StringBuilder pending = new StringBuilder();
    for (String line : markdown.split("\n")) {
      if (line.startsWith("```")) {
        inSh = !inSh && line.trim().equals("```sh");
        continue;
      }
      if (!inSh) {
        continue;
      }
      pending.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) + " " : line);
      if (line.endsWith("\\")) {
        continue;
      }
      String cmd = pending.toString().trim();
      pending.setLength(0);
      int hash = cmd.indexOf(" #");
      cmd = (hash >= 0 ? cmd.substring(0, hash) : cmd).trim();
      if (cmd.endsWith("&")) {
        cmd = cmd.substring(0, cmd.length() - 1).trim();
      }
      // The launcher of a checkout (./ephyr), of the release archive (bin/ephyr) or on the PATH (ephyr), at the
      // start of a command, after a pipe or inside $(...); the command ends at a redirection or the next operator.
      Matcher m = LAUNCHER.matcher(cmd);
      if (m.find()) {
        String words = m.group(1).split("\\s*(?:\\d*[<>]|[|;&)])", 2)[0];
        out.add(words.trim().replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  /** What the parser refuses in {@code lines}, one entry per refused line. */
  static List<String> refused(List<String> lines) {
    List<String> wrong = new ArrayList<>();
    for (String line : lines) {
      String[] words = line.trim().split("\\s+");
      if (words[0].equals("loadtest") || words[0].equals("--help") || words[0].equals("--version")) {
        continue; // the launcher runs the load driver itself; help and version are not commands
      }
      CommandLine tree = new Cli().tree();
      try {
        ParseResult r = tree.parseArgs(Arrays.stream(words).map(w -> w.replaceAll("^\"|\"$", "")).toArray(String[]::new));
        while (r.hasSubcommand()) {
          r = r.subcommand();
        }
        if (!(r.commandSpec().userObject() instanceof Command)) {
          wrong.add(line + ": not a command");
        }
      } catch (CommandLine.ParameterException e) {
        wrong.add(line + ": " + e.getMessage());
      }
    }
    return wrong;
  }

  @Test
  void everyCommandLineInTheGuides_parses() throws Exception {
    List<String> all = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (String guide : GUIDES) {
      List<String> lines = commandLines(Files.readString(root().resolve(guide)));
      all.addAll(lines);
      refused(lines).forEach(w -> wrong.add(guide + ": " + w));
    }
    assertTrue(all.size() >= 15, "command lines found: " + all);
    assertTrue(all.contains("init --nodes 3 --hosts 127.0.0.1 --dir quick-lab"), all.toString());
    assertTrue(all.contains("agent-key --hash"), all.toString());
    assertEquals(List.of(), wrong);
  }

  @Test
  void theCheck_seesAMisspelledOption_anUnknownCommand_andAMissingValue() {
    String doc = "text\n```sh\n./ephyr admin key --admn alice   # typo\n./ephyr keys frob\n"
        + "x=1 ./ephyr admin status --url\n./ephyr signer --key k \\\n  --socket s --principals p &\n```\n"
        + "```yaml\n./ephyr not-a-command-here\n```\n"
        + "```sh\nH=$(ephyr agent-key --hsh < lab/k)\n  ephyr node --config lab/$n.yaml >> lab/$n.log 2>&1 &\n"
        + "bin/ephyr admin key --admin a --out f | grep -A1 '^admins:'\nmkdir -p /var/lib/ephyr/state\n"
        + "useradd --system --gid ephyr --shell /usr/sbin/nologin ephyr-signer\n```\n";
    List<String> lines = commandLines(doc);
    assertEquals(List.of("admin key --admn alice", "keys frob", "admin status --url",
        "signer --key k --socket s --principals p", "agent-key --hsh", "node --config lab/$n.yaml",
        "admin key --admin a --out f"), lines);
    List<String> wrong = refused(lines);
    assertEquals(4, wrong.size(), wrong.toString());
    assertTrue(wrong.get(0).startsWith("admin key --admn alice"), wrong.toString());
  }
}
