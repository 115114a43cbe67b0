package dev.ephyr.broker.federation;

import java.time.Duration;

/**
 * Bounds of federation that the policy does not set per remote (it sets timeout, refresh and response
 * size). Every count, size and time of the federation path is bounded by one of these or by the policy.
 *
 * @param maxPages most {@code tools/list} pages read per discovery
 * @param maxTools most tools kept per remote (the rest are dropped and the status says so)
 * @param maxSchemaBytes largest encoded input schema of one tool; a tool with a bigger one is dropped
 * @param maxDescriptionChars longest tool description kept (longer ones are cut)
 * @param maxArgumentBytes largest encoded arguments of one federated call
 * @param backoffInitial first retry delay after a failed discovery
 * @param backoffMax longest retry delay (also capped by the remote's refresh interval)
 * @param addressTtl how long a checked address of a remote is reused before resolving again
 * @param reconcileEvery how often the policy's remotes are compared with the running ones
 */
public record FederationLimits(int maxPages, int maxTools, int maxSchemaBytes, int maxDescriptionChars,
    int maxArgumentBytes, Duration backoffInitial, Duration backoffMax, Duration addressTtl,
    Duration reconcileEvery) {

  /** The defaults a node runs with. */
  public static final FederationLimits DEFAULTS = new FederationLimits(20, 500, 64 * 1024, 2_000, 256 * 1024,
      Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(1));
}
