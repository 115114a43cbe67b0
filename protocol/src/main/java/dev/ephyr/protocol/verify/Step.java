package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.Reason;

/**
 * Outcome of one named step of token verification: the value the next step works on, or the rejection
 * that ends verification with its reason.
 */
sealed interface Step<T> {

  /** The step's rule holds; {@code value} is what it established. */
  record Pass<T>(T value) implements Step<T> {}

  /** The first rule the token breaks. */
  record Fail<T>(Verification.Rejected rejection) implements Step<T> {}

  static <T> Step<T> fail(Reason reason, String detail) {
    return new Fail<>(new Verification.Rejected(reason, detail));
  }
}
