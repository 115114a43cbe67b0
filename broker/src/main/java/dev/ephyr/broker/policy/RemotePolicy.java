package dev.ephyr.broker.policy;

import java.net.URI;
import java.time.Duration;

/**
 * A federated MCP server whose tools appear as {@code name.tool}.
 *
 * @param name the remote's name (no dots: it prefixes tool names)
 * @param url the remote's streamable-HTTP MCP endpoint
 * @param auth the credential injected, or {@code null} for none
 * @param timeout per-call timeout
 * @param refresh how often the tool catalogue is refreshed
 * @param maxResponseBytes largest response accepted
 * @param allowPrivate whether the URL may resolve to loopback, private or link-local addresses
 */
public record RemotePolicy(String name, URI url, CredentialAuth auth, Duration timeout, Duration refresh,
    long maxResponseBytes, boolean allowPrivate) {}
