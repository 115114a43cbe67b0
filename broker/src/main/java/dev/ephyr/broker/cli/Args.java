package dev.ephyr.broker.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command line parsed against the options one command declares: {@code --flag}, {@code --opt VALUE} or
 * {@code --opt=VALUE}, and positionals; {@code --} ends options and a lone {@code -} is a positional (stdin).
 */
final class Args {
  private final String command;
  private final Set<String> flags = new HashSet<>();
  private final Map<String, String> options = new HashMap<>();
  private final List<String> positionals = new ArrayList<>();

  private Args(String command) {
    this.command = command;
  }

  /**
   * Parses {@code argv}; {@code flagNames} take no value, {@code optionNames} take one. Anything else starting
   * with {@code -} is a usage error.
   */
  static Args parse(String command, List<String> argv, Set<String> flagNames, Set<String> optionNames)
      throws CliException {
    Args a = new Args(command);
    boolean onlyPositionals = false;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (onlyPositionals || arg.equals("-") || !arg.startsWith("-")) {
        a.positionals.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        onlyPositionals = true;
        continue;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (name.equals("-h")) {
        name = "--help";
      }
      if (flagNames.contains(name) || name.equals("--help")) {
        if (value != null) {
          throw CliException.usage(command, name + " takes no value");
        }
        a.flags.add(name);
      } else if (optionNames.contains(name)) {
        if (value == null) {
          if (i + 1 >= argv.size()) {
            throw CliException.usage(command, name + " needs a value");
          }
          value = argv.get(++i);
        }
        if (a.options.containsKey(name)) {
          throw CliException.usage(command, name + " given twice");
        }
        a.options.put(name, value);
      } else {
        throw CliException.usage(command, "unknown option " + name);
      }
    }
    return a;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  String option(String name) {
    return options.get(name);
  }

  String option(String name, String dflt) {
    return options.getOrDefault(name, dflt);
  }

  List<String> positionals() {
    return positionals;
  }

  /** The positionals, requiring between {@code min} and {@code max} of them. */
  List<String> positionals(int min, int max, String what) throws CliException {
    if (positionals.size() < min) {
      throw CliException.usage(command, "missing " + what);
    }
    if (positionals.size() > max) {
      throw CliException.usage(command, "unexpected argument '" + positionals.get(max) + "'");
    }
    return positionals;
  }

  /** An option that must be a port number. */
  int port(String name, int dflt) throws CliException {
    String v = options.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int p = Integer.parseInt(v);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // fall through to the usage error
    }
    throw CliException.usage(command, name + " must be a port number (0-65535), got '" + v + "'");
  }
}
