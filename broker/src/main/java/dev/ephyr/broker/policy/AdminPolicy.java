package dev.ephyr.broker.policy;

/**
 * An operator allowed to use the admin API, known by the hash of their credential.
 *
 * @param name the admin's name (recorded in audit)
 * @param credentialHash {@code sha256:<hex>} of the admin credential
 */
public record AdminPolicy(String name, String credentialHash) {

  /** Never shows the hash in logs; it is not secret, but there is no reason to spread it. */
  @Override
  public String toString() {
    return "AdminPolicy[" + name + "]";
  }
}
