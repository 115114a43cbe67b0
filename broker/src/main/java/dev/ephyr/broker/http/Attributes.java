package dev.ephyr.broker.http;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.protocol.verify.Purpose;

/** The typed exchange attributes shared between steps of different packages. */
public final class Attributes {
  /** Set by a parse step: what the token will be used for (binding or ordinary use). */
  public static final Exchange.Key<Purpose> PURPOSE = Exchange.Key.of("purpose", Purpose.class);
  /** Set by a parse step: whether a bind-pending token may pass (MCP plumbing only). */
  public static final Exchange.Key<Authenticator.BindPendingUse> BIND_PENDING =
      Exchange.Key.of("bindPending", Authenticator.BindPendingUse.class);
  /** Set by authentication. */
  public static final Exchange.Key<Caller> CALLER = Exchange.Key.of("caller", Caller.class);

  /** Set by the audit step: the request's time bound, which a step may extend for work that streams. */
  public static final Exchange.Key<Deadline> DEADLINE = Exchange.Key.of("deadline", Deadline.class);

  private Attributes() {}
}
