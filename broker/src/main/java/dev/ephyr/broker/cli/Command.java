package dev.ephyr.broker.cli;

import java.util.List;

/** One {@code ephyr} subcommand: its name, its help, and what it does. */
interface Command {

  /** The words that select it, e.g. {@code keys init}. */
  String name();

  /** One line for the command overview. */
  String summary();

  /** The full {@code --help} text. */
  String usage();

  /** Runs with the arguments after the command's name; returns the exit code. */
  int run(List<String> argv, Io io) throws CliException;
}
