package dev.ephyr.broker.policy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * An HTTP service the proxy may reach: its exact origin, what may be called, and the injected credential.
 *
 * @param name the service's name
 * @param origin scheme, host and port only
 * @param methods allowed HTTP methods
 * @param paths allowed path globs ({@code *} within a segment, {@code **} across segments)
 * @param auth the credential injected, or {@code null} for none
 * @param timeout upstream request timeout
 * @param maxResponseBytes largest upstream response relayed
 * @param allowPrivate whether the origin may resolve to loopback, private or link-local addresses
 */
public record ServicePolicy(String name, URI origin, Set<String> methods, List<String> paths, CredentialAuth auth,
    Duration timeout, long maxResponseBytes, boolean allowPrivate) {

  /** Copies the collections so the record stays immutable. */
  public ServicePolicy {
    methods = Set.copyOf(methods);
    paths = List.copyOf(paths);
  }
}
