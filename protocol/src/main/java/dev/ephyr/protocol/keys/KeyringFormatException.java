package dev.ephyr.protocol.keys;

/** A keyring file that cannot be used, with a message that says what is wrong and never shows key bytes. */
public final class KeyringFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  KeyringFormatException(String message) {
    super(message);
  }
}
