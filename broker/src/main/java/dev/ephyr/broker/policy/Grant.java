package dev.ephyr.broker.policy;

import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import java.util.Objects;

/**
 * What policy grants along every envelope dimension, without an expiry.
 *
 * @param targets SSH targets
 * @param roles SSH roles
 * @param services HTTP proxy services
 * @param methods HTTP methods
 * @param remotes federated MCP servers
 * @param tools federated tools
 * @param delegate whether tasks may delegate
 * @param maxDepth deepest lineage allowed (root = 0)
 */
public record Grant(IdSet targets, IdSet roles, IdSet services, IdSet methods, IdSet remotes, ToolGrant tools,
    boolean delegate, int maxDepth) {

  /** Grants nothing at all. */
  public static final Grant NONE = new Grant(IdSet.NONE, IdSet.NONE, IdSet.NONE, IdSet.NONE, IdSet.NONE,
      ToolGrant.NONE, false, 0);

  /** Checks components; the parser has already validated them, so a failure here is a bug. */
  public Grant {
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(services, "services");
    Objects.requireNonNull(methods, "methods");
    Objects.requireNonNull(remotes, "remotes");
    Objects.requireNonNull(tools, "tools");
    if (maxDepth < 0 || maxDepth > Envelope.MAX_DEPTH) {
      throw new IllegalArgumentException("maxDepth must be between 0 and " + Envelope.MAX_DEPTH);
    }
  }

  /** The envelope this grant allows until {@code expiresAt} (unix seconds). */
  public Envelope envelopeUntil(long expiresAt) {
    return Envelope.builder()
        .set(Dimension.TARGETS, targets)
        .set(Dimension.ROLES, roles)
        .set(Dimension.SERVICES, services)
        .set(Dimension.METHODS, methods)
        .set(Dimension.REMOTES, remotes)
        .tools(tools)
        .delegate(delegate)
        .maxDepth(maxDepth)
        .expiresAt(expiresAt)
        .build();
  }
}
