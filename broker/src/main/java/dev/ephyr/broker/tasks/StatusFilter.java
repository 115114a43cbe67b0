package dev.ephyr.broker.tasks;

/** Which tasks an operator listing returns. */
public enum StatusFilter {
  /** Active or awaiting bind. */
  ACTIVE,
  /** Revoked, directly or through an ancestor. */
  REVOKED,
  /** Everything. */
  ALL;

  boolean admits(TaskStatus status) {
    switch (this) {
      case ACTIVE: return status.live();
      case REVOKED: return status.revoked();
      default: return true;
    }
  }
}
