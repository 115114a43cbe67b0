package dev.ephyr.broker.cli;

import dev.ephyr.broker.yaml.EditDistance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Help;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * Finds the command named by the first words of the command line, parses the rest with picocli, runs it, and
 * turns failures into one line on stderr and an exit code (2 for usage errors, 1 for failed operations) —
 * never a stack trace for a user error.
 */
final class Cli {
  private final List<Command> commands;

  Cli() {
    commands = List.of(new DevCommand(), new InitCommand(), new NodeCommand(), new KeysInit(), new KeysRotate(),
        new KeysFingerprint(), new KeysRetire(), new AgentKey(), new TokenInspect(), new PolicyValidate(),
        new SignerCommand(), new ConnectCommand(), new CertsInit(),
        new AuditVerify(), new AdminStatus(), new AdminTasks(), new AdminTree(),
        new AdminRevoke(), new AdminReissue(), new AdminAudit(), new AdminPolicyReload(), new AdminConfigReload(),
        new AdminKey(),
        new StateVerify(), new StateBackup(), new StateRestore(), new CompletionCommand(this::tree));
  }

  /** The whole command tree (for completion); a command line is parsed against its command alone. */
  CommandLine tree() {
    return CommandTree.build(commands);
  }

  int run(String[] argv, Io io) {
    List<String> args = Arrays.asList(argv);
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
      if (args.size() > 1 && args.get(0).equals("help")) {
        return run(withHelp(args.subList(1, args.size())).toArray(new String[0]), io);
      }
      overview(io.out());
      return args.isEmpty() ? CliException.USAGE : 0;
    }
    if (args.get(0).equals("--version")) {
      io.out().println("ephyr " + version());
      return 0;
    }
    String first = args.get(0);
    Command command = find(args.size() >= 2 ? first + " " + args.get(1) : null);
    if (command == null) {
      command = find(first);
    }
    if (command == null) {
      if (allNames().contains(first)) {
        return group(first, args, io);
      }
      return usageError(io.err(), null, "unknown command '" + first + "'" + hint(first, allNames()));
    }
    // Picocli models only this command: the whole tree would cost every start-up.
    CommandLine node = CommandTree.standalone(command);
    List<String> rest = args.subList(command.name().split(" ").length, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      int dashdash = rest.indexOf("--");
      int help = Math.max(rest.indexOf("--help"), rest.indexOf("-h"));
      if (dashdash < 0 || help < dashdash) {
        io.out().print(node.getUsageMessage(Help.Ansi.OFF));
        return 0;
      }
    }
    try {
      command.screen(rest);
      refuseFlagValues(rest, node, command.name());
      ParseResult parsed;
      try {
        parsed = node.parseArgs(rest.toArray(new String[0]));
      } catch (ParameterException e) {
        throw CliException.usage(command.name(), describe(e, node));
      }
      return command.run(new Args(command.name(), parsed), io);
    } catch (CliException e) {
      if (e.exitCode() == CliException.USAGE) {
        return usageError(io.err(), e.usageHint(), e.getMessage());
      }
      io.err().println("ephyr " + command.name() + ": " + e.getMessage());
      return e.exitCode();
    } catch (RuntimeException e) {
      // A bug, not a user error: one line, plus the trace only on request.
      io.err().println("ephyr " + command.name() + ": internal error: " + e);
      if (io.env().containsKey("EPHYR_DEBUG")) {
        e.printStackTrace(io.err());
      }
      return CliException.FAILED;
    }
  }

  private Command find(String name) {
    for (Command c : commands) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** {@code ephyr GROUP}: the group's commands (or an unknown command of the group). */
  private int group(String group, List<String> args, Io io) {
    boolean help = args.size() == 1 || args.get(1).equals("--help") || args.get(1).equals("-h");
    if (help && args.size() <= 2) {
      groupHelp(group, io.out());
      return args.size() == 1 ? CliException.USAGE : 0;
    }
    return usageError(io.err(), group, "unknown " + group + " command '" + args.get(1) + "'"
        + hint(group + " " + args.get(1), allNames()));
  }

  /** {@code --flag=value} for an option that takes no value is refused by name (picocli's message lacks it). */
  private static void refuseFlagValues(List<String> rest, CommandLine command, String name) throws CliException {
    for (String arg : rest) {
      if (arg.equals("--")) {
        return;
      }
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        OptionSpec o = command.getCommandSpec().findOption(arg.substring(0, eq));
        if (o != null && o.arity().max() == 0) {
          throw CliException.usage(name, arg.substring(0, eq) + " takes no value");
        }
      }
    }
  }

  /**
   * One line for what picocli refused, in the CLI's own words. An unknown option is named without anything
   * after its {@code =}: that value may be a secret typed in the wrong place.
   */
  private static String describe(ParameterException e, CommandLine command) {
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      return "unknown option " + name + hint(name, CommandTree.optionNames(command));
    }
    if (e instanceof MissingParameterException m && !m.getMissing().isEmpty()) {
      return optionName(m.getMissing().get(0)) + " needs a value";
    }
    if (e instanceof OverwrittenOptionException o) {
      return optionName(o.getOverwritten()) + " given twice";
    }
    return e.getMessage();
  }

  private static String optionName(ArgSpec spec) {
    return spec instanceof OptionSpec o ? o.longestName() : spec.paramLabel();
  }

  private static List<String> withHelp(List<String> words) {
    List<String> out = new ArrayList<>(words);
    out.add("--help");
    return out;
  }

  /** Every command's words and every group's word, for hints. */
  private List<String> allNames() {
    List<String> names = new ArrayList<>();
    for (Command c : commands) {
      names.add(c.name());
      int sp = c.name().indexOf(' ');
      if (sp > 0 && !names.contains(c.name().substring(0, sp))) {
        names.add(c.name().substring(0, sp));
      }
    }
    return names;
  }

  private static String hint(String typed, List<String> names) {
    String best = null;
    int bestD = 3;
    for (String n : names) {
      int d = EditDistance.of(typed, n);
      if (d < bestD) {
        bestD = d;
        best = n;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int usageError(PrintStream err, String command, String message) {
    String prefix = command == null ? "ephyr" : "ephyr " + command;
    err.println(prefix + ": " + message + " (see '" + prefix + " --help')");
    return CliException.USAGE;
  }

  private void overview(PrintStream out) {
    out.println("Usage: ephyr COMMAND [OPTIONS]   (ephyr COMMAND --help for details)");
    out.println();
    out.println("Ephyr: an access broker that gives AI agents short-lived, task-scoped access.");
    out.println();
    out.println("Commands:");
    for (Command c : commands) {
      out.println(String.format("  %-18s %s", c.name(), c.summary()));
    }
    out.println();
    out.println("Exit codes: 0 ok, 1 operation failed, 2 usage error.");
  }

  private void groupHelp(String group, PrintStream out) {
    out.println("Usage: ephyr " + group + " COMMAND [OPTIONS]");
    out.println();
    for (Command c : commands) {
      if (c.name().startsWith(group + " ")) {
        out.println(String.format("  %-18s %s", c.name(), c.summary()));
      }
    }
  }

  private static String version() {
    String v = Cli.class.getPackage().getImplementationVersion();
    return v == null ? "(development build)" : v;
  }
}
