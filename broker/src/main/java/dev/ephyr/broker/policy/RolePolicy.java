package dev.ephyr.broker.policy;

import java.time.Duration;
import java.util.Set;

/**
 * An SSH role: the one principal a certificate carries and the extensions it needs.
 *
 * @param name the role's name
 * @param principal the Unix account the certificate is valid for
 * @param extensions OpenSSH certificate extensions (e.g. {@code permit-pty})
 * @param forceCommand a command forced on every session, or {@code null}
 * @param certTtl certificate lifetime for this role, or {@code null} for the node default
 */
public record RolePolicy(String name, String principal, Set<String> extensions, String forceCommand,
    Duration certTtl) {

  /** Copies the set so the record stays immutable. */
  public RolePolicy {
    extensions = Set.copyOf(extensions);
  }
}
