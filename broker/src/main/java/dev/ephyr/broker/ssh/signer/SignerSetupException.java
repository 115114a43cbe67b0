package dev.ephyr.broker.ssh.signer;

/** The signer cannot start as configured (key file, socket, limits); the message says what to fix. */
public final class SignerSetupException extends Exception {
  private static final long serialVersionUID = 1L;

  /** With a message naming the file or setting and the fix. */
  public SignerSetupException(String message) {
    super(message);
  }
}
