package dev.ephyr.protocol.caveat;

import dev.ephyr.protocol.Reason;

/**
 * A caveat outside the closed vocabulary ({@link Reason#UNKNOWN_CAVEAT}) or with a known key but a bad
 * operator or value ({@link Reason#INVALID_CAVEAT}). Stackless: hostile tokens are expected input.
 */
public final class CaveatFormatException extends Exception {
  private static final long serialVersionUID = 1L;
  private final Reason reason;

  CaveatFormatException(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  /** {@link Reason#UNKNOWN_CAVEAT} or {@link Reason#INVALID_CAVEAT}. */
  public Reason reason() {
    return reason;
  }
}
