package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.Reason;

/** The outcome of verifying a token: accepted with a principal, or rejected with a stable reason. */
public sealed interface Verification {

  /** The token is good for this request. */
  record Accepted(Principal principal) implements Verification {}

  /**
   * The token is refused. {@code auditDetail} says precisely why, for audit and logs; clients get only
   * the reason's code.
   */
  record Rejected(Reason reason, String auditDetail) implements Verification {}
}
