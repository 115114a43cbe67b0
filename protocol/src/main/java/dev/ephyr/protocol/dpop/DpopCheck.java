package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.Reason;
import java.time.Instant;
import java.util.Objects;

/** Outcome of checking a DPoP proof: {@link Valid}, which only {@link DpopVerifier} can build, or {@link Invalid}. */
public sealed interface DpopCheck {

  /**
   * A proof whose signature, key, request binding and freshness all checked out. Single use is not
   * decided here: the caller records {@link #replayKey()} cluster-wide until {@link #rememberUntil()}.
   */
  final class Valid implements DpopCheck {
    private final String jkt;
    private final String jti;
    private final Instant issuedAt;
    private final Instant rememberUntil;

    // Package-private: a Valid is evidence, so only verification may produce one.
    Valid(String jkt, String jti, Instant issuedAt, Instant rememberUntil) {
      this.jkt = jkt;
      this.jti = jti;
      this.issuedAt = issuedAt;
      this.rememberUntil = rememberUntil;
    }

    /** Thumbprint of the key that signed the proof (equal to the request's expected one). */
    public String jkt() {
      return jkt;
    }

    /** The proof's unique id. */
    public String jti() {
      return jti;
    }

    /** The proof's {@code iat}. */
    public Instant issuedAt() {
      return issuedAt;
    }

    /** After this instant the proof can no longer pass the freshness check, so its replay record may go. */
    public Instant rememberUntil() {
      return rememberUntil;
    }

    /**
     * Key for the single-use check: {@code jkt ":" jti}. A thumbprint is always 43 characters without a
     * colon, so two different (key, id) pairs never share a key, and one holder cannot burn another's ids.
     */
    public String replayKey() {
      return jkt + ':' + jti;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Valid)) {
        return false;
      }
      Valid v = (Valid) o;
      return jkt.equals(v.jkt) && jti.equals(v.jti) && issuedAt.equals(v.issuedAt)
          && rememberUntil.equals(v.rememberUntil);
    }

    @Override
    public int hashCode() {
      return Objects.hash(jkt, jti, issuedAt, rememberUntil);
    }

    @Override
    public String toString() {
      return "Valid[jkt=" + jkt + ", jti=" + jti + ", issuedAt=" + issuedAt + "]";
    }
  }

  /**
   * A refused proof: a stable {@link Reason} for clients and metrics, and a short constant detail for audit
   * (it never echoes the proof's content).
   */
  record Invalid(Reason reason, String detail) implements DpopCheck {
    /** Checks both parts are present. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
