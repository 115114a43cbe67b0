package dev.ephyr.client;

import java.util.Objects;

/**
 * What a request authenticates with: an agent API key ({@code Bearer ek_…}), an unbound task token
 * ({@code Bearer mac_…}), or a task token sent with a DPoP proof ({@code DPoP mac_…}) — the last both for a
 * bound task and for the {@code task_bind} call of a pending one. {@link #toString()} is redacted.
 */
public final class Credential {
  private final String text;
  private final boolean proof;

  private Credential(String text, boolean proof) {
    this.text = Objects.requireNonNull(text, "text");
    this.proof = proof;
  }

  /** An agent's API key, sent as a bearer. */
  public static Credential apiKey(String key) {
    return new Credential(key, false);
  }

  /** A task token without a holder, sent as a bearer. */
  public static Credential bearerToken(String token) {
    return new Credential(token, false);
  }

  /** A task token sent with a fresh DPoP proof on every request. */
  public static Credential proofToken(String token) {
    return new Credential(token, true);
  }

  /** Whether every request needs a DPoP proof. */
  public boolean needsProof() {
    return proof;
  }

  /** The {@code Authorization} header value. */
  String authorization() {
    return (proof ? "DPoP " : "Bearer ") + text;
  }

  /** The exact token text a proof's {@code ath} binds. */
  String text() {
    return text;
  }

  @Override
  public String toString() {
    return "Credential[" + (proof ? "DPoP" : "Bearer") + " redacted]";
  }
}
