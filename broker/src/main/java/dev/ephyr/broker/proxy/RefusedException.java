package dev.ephyr.broker.proxy;

/** Carries a {@link Refusal} through a failed future; stackless, since a refusal is an expected outcome. */
final class RefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Refusal refusal;

  RefusedException(Refusal refusal) {
    super(refusal.code(), null, false, false);
    this.refusal = refusal;
  }

  Refusal refusal() {
    return refusal;
  }
}
