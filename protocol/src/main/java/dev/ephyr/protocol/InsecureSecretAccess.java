package dev.ephyr.protocol;

/**
 * A capability that must be passed to read raw secret bytes (a keyring's master keys, a root key, a
 * holder's private seed). Its name is meant to be searched for in review: every call site that reads
 * secret material out of its wrapper mentions it.
 */
public final class InsecureSecretAccess {
  private static final InsecureSecretAccess INSTANCE = new InsecureSecretAccess();

  private InsecureSecretAccess() {}

  /** The capability. */
  public static InsecureSecretAccess get() {
    return INSTANCE;
  }
}
