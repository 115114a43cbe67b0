package dev.ephyr.protocol.dpop;

/** Outcome of one step of reading or checking a DPoP proof: what the step established, or the refusal. */
sealed interface ProofStep<T> {

  /** The step passed; {@code value} is what the next step works on. */
  record Ok<T>(T value) implements ProofStep<T> {}

  /** The proof is refused at this step. */
  record Refused<T>(DpopCheck.Invalid invalid) implements ProofStep<T> {}
}
