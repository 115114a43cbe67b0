package dev.ephyr.broker.cli;

import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** One {@code ephyr} subcommand: its name, its help, the options it accepts, and what it does. */
interface Command {

  /** The words that select it, e.g. {@code keys init}. */
  String name();

  /** One line for the command overview. */
  String summary();

  /**
   * The help text above the option list: the synopsis ({@code Usage: ...} lines up to the first blank line),
   * then the description. Options are not listed here: the list is generated from {@link #options()}.
   */
  String help();

  /** The options, each declared once: both the parser and the help's option list are made from them. */
  default List<OptionSpec> options() {
    return List.of();
  }

  /** Help text below the option list (exit codes, notes), or empty. */
  default String footer() {
    return "";
  }

  /**
   * Looks at the raw arguments before they are parsed, to refuse what must not reach a parser's error
   * message (a token typed on the command line).
   */
  default void screen(List<String> argv) throws CliException {}

  /** Runs with the parsed arguments; returns the exit code. */
  int run(Args args, Io io) throws CliException;
}
