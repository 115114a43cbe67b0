package dev.ephyr.broker.policy;

import java.time.Duration;
import java.util.Set;

/**
 * An SSH target: where it is, its pinned host key, and the roles that may be used on it.
 *
 * @param name the target's name
 * @param host host name or IP address
 * @param port TCP port
 * @param hostKey the pinned host public key in OpenSSH form ({@code ssh-ed25519 AAAA...})
 * @param roles roles allowed on this target
 * @param certTtl certificate lifetime cap for this target, or {@code null} for the node default
 */
public record TargetPolicy(String name, String host, int port, String hostKey, Set<String> roles,
    Duration certTtl) {

  /** Copies the set so the record stays immutable. */
  public TargetPolicy {
    roles = Set.copyOf(roles);
  }
}
