package dev.ephyr.broker.state;

/** A backup or restore that cannot be done; the message is one line for the operator, saying why and what to do. */
public final class BackupException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A refusal with its one-line reason. */
  public BackupException(String message) {
    super(message, null, false, false);
  }
}
