package dev.ephyr.cluster;

/**
 * The node's durable state store cannot be opened or written: its message is one line for the operator
 * (what is wrong, where, what to do). Stackless: it is an expected outcome, reported, never a crash.
 */
public final class StateStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StateStoreException(String message) {
    super(message, null, false, false);
  }
}
