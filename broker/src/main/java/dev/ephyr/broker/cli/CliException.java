package dev.ephyr.broker.cli;

/**
 * A command failed in a way the user can act on: printed as one line, no stack trace, with an exit code
 * ({@link #USAGE} for a wrong command line, {@link #FAILED} for everything else).
 */
final class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Exit code for a command line that cannot be understood. */
  static final int USAGE = 2;
  /** Exit code for an operation that failed. */
  static final int FAILED = 1;

  private final int exitCode;
  private final String usageHint;

  private CliException(int exitCode, String message, String usageHint) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.usageHint = usageHint;
  }

  /** A wrong command line for {@code command} (its name is used for the "try --help" hint). */
  static CliException usage(String command, String message) {
    return new CliException(USAGE, message, command);
  }

  /** An operation that failed. */
  static CliException failed(String message) {
    return new CliException(FAILED, message, null);
  }

  int exitCode() {
    return exitCode;
  }

  /** The command whose {@code --help} would help, or {@code null}. */
  String usageHint() {
    return usageHint;
  }
}
