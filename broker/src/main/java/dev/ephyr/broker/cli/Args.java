package dev.ephyr.broker.cli;

import java.util.List;
import picocli.CommandLine.ParseResult;

/**
 * A command line parsed against the options one command declares: {@code --flag}, {@code --opt VALUE} or
 * {@code --opt=VALUE}, and positionals; {@code --} ends options and a lone {@code -} is a positional (stdin).
 */
final class Args {
  private final String command;
  private final ParseResult parsed;

  Args(String command, ParseResult parsed) {
    this.command = command;
    this.parsed = parsed;
  }

  boolean flag(String name) {
    return parsed.hasMatchedOption(name);
  }

  String option(String name) {
    return parsed.matchedOptionValue(name, null);
  }

  String option(String name, String dflt) {
    return parsed.matchedOptionValue(name, dflt);
  }

  /** Every value of a repeatable option, in command-line order. */
  List<String> options(String name) {
    return parsed.matchedOptionValue(name, List.of());
  }

  List<String> positionals() {
    return parsed.matchedPositionalValue(0, List.of());
  }

  /** The positionals, requiring between {@code min} and {@code max} of them. */
  List<String> positionals(int min, int max, String what) throws CliException {
    List<String> positionals = positionals();
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
    String v = option(name);
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
