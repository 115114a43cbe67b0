package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.Reason;

/**
 * Thrown when bytes or text are not an acceptable V2 macaroon. Stackless: malformed input is an expected
 * outcome, and a flood of it must not cost a stack trace each.
 */
public final class MacaroonFormatException extends Exception {
  private static final long serialVersionUID = 1L;
  private final Reason reason;

  MacaroonFormatException(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  MacaroonFormatException(String detail) {
    this(Reason.MALFORMED, detail);
  }

  /** {@link Reason#MALFORMED}, or {@link Reason#UNSUPPORTED} for third-party caveats. */
  public Reason reason() {
    return reason;
  }
}
