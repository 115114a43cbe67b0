package dev.ephyr.broker.auth;

/**
 * What the {@code Authorization} and {@code DPoP} headers carried. {@link #toString()} is redacted.
 *
 * @param scheme {@code Bearer} or {@code DPoP} (normalised)
 * @param value the credential text (an API key or a task token)
 * @param proof the {@code DPoP} header, or {@code null}
 */
public record Credentials(String scheme, String value, String proof) {
  /** Longest accepted credential (a token is at most about 11 000 characters). */
  public static final int MAX_CHARS = 12_288;

  /**
   * Parses the headers; {@code null} when there is no usable {@code Authorization} header. Only the
   * {@code Bearer} and {@code DPoP} schemes are understood (case-insensitively, as RFC 9110 says).
   */
  public static Credentials parse(String authorization, String dpop) {
    if (authorization == null) {
      return null;
    }
    int sp = authorization.indexOf(' ');
    if (sp <= 0) {
      return null;
    }
    String scheme = authorization.substring(0, sp);
    String value = authorization.substring(sp + 1).trim();
    if (value.isEmpty() || value.length() > MAX_CHARS) {
      return null;
    }
    if (scheme.equalsIgnoreCase("bearer")) {
      return new Credentials("Bearer", value, dpop);
    }
    if (scheme.equalsIgnoreCase("dpop")) {
      return new Credentials("DPoP", value, dpop);
    }
    return null;
  }

  /** Whether the credential is a task token (rather than an API key). */
  public boolean isTaskToken() {
    return value.startsWith("mac_");
  }

  @Override
  public String toString() {
    return "Credentials[" + scheme + " redacted, proof=" + (proof == null ? "none" : "redacted") + "]";
  }
}
