package dev.ephyr.broker.cli;

import dev.ephyr.broker.yaml.EditDistance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the command named by the first words of the command line, runs it, and turns failures into one
 * line on stderr and an exit code (2 for usage errors, 1 for failed operations) — never a stack trace for
 * a user error.
 */
final class Cli {
  private final Map<String, Command> commands = new LinkedHashMap<>();

  Cli() {
    for (Command c : List.of(new DevCommand(), new NodeCommand(), new KeysInit(), new KeysRotate(),
        new KeysFingerprint(), new KeysRetire(), new AgentKey(), new TokenInspect(), new PolicyValidate(),
        new SignerCommand(), new ConnectCommand(), new CertsInit())) {
      commands.put(c.name(), c);
    }
    for (Command c : List.of(new AuditVerify(), new AdminStatus(), new AdminTasks(), new AdminTree(),
        new AdminRevoke(), new AdminReissue(), new AdminAudit(), new AdminPolicyReload(), new AdminKey(),
        new StateVerify())) {
      commands.put(c.name(), c);
    }
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
    Command command = null;
    int consumed = 0;
    if (args.size() >= 2 && commands.containsKey(first + " " + args.get(1))) {
      command = commands.get(first + " " + args.get(1));
      consumed = 2;
    } else if (commands.containsKey(first)) {
      command = commands.get(first);
      consumed = 1;
    }
    if (command == null) {
      List<Command> group = group(first);
      if (!group.isEmpty()) {
        boolean help = args.size() == 1 || args.get(1).equals("--help") || args.get(1).equals("-h");
        if (help && args.size() <= 2) {
          groupHelp(first, group, io.out());
          return args.size() == 1 ? CliException.USAGE : 0;
        }
        return usageError(io.err(), first, "unknown " + first + " command '" + args.get(1) + "'"
            + hint(first + " " + args.get(1)));
      }
      return usageError(io.err(), null, "unknown command '" + first + "'" + hint(first));
    }
    List<String> rest = args.subList(consumed, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      int dashdash = rest.indexOf("--");
      int help = Math.max(rest.indexOf("--help"), rest.indexOf("-h"));
      if (dashdash < 0 || help < dashdash) {
        io.out().print(command.usage());
        return 0;
      }
    }
    try {
      return command.run(rest, io);
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

  private static List<String> withHelp(List<String> words) {
    List<String> out = new ArrayList<>(words);
    out.add("--help");
    return out;
  }

  private List<Command> group(String word) {
    List<Command> out = new ArrayList<>();
    for (Command c : commands.values()) {
      if (c.name().startsWith(word + " ")) {
        out.add(c);
      }
    }
    return out;
  }

  private String hint(String typed) {
    List<String> names = new ArrayList<>();
    for (String n : commands.keySet()) {
      names.add(n);
      int sp = n.indexOf(' ');
      if (sp > 0 && !names.contains(n.substring(0, sp))) {
        names.add(n.substring(0, sp));
      }
    }
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
    for (Command c : commands.values()) {
      out.println(String.format("  %-18s %s", c.name(), c.summary()));
    }
    out.println();
    out.println("Exit codes: 0 ok, 1 operation failed, 2 usage error.");
  }

  private static void groupHelp(String group, List<Command> members, PrintStream out) {
    out.println("Usage: ephyr " + group + " COMMAND [OPTIONS]");
    out.println();
    for (Command c : members) {
      out.println(String.format("  %-18s %s", c.name(), c.summary()));
    }
  }

  private static String version() {
    String v = Cli.class.getPackage().getImplementationVersion();
    return v == null ? "(development build)" : v;
  }
}
