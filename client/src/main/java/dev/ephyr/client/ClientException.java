package dev.ephyr.client;

/**
 * A local problem the user can act on (a key file readable by others, a token file missing, a malformed
 * token): one line of text, no stack trace. Refusals by the broker are values, not exceptions.
 */
public final class ClientException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception carrying only {@code message}. */
  public ClientException(String message) {
    super(message, null, false, false);
  }
}
