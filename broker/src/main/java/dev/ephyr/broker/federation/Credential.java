package dev.ephyr.broker.federation;

import dev.ephyr.broker.policy.CredentialAuth;
import dev.ephyr.broker.proxy.SecretMatcher;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * A remote's resolved credential and how it is sent. Never printed: {@link #toString} is redacted, and
 * {@link #redact} scrubs it from text a remote sends back, in case the remote echoes what it received, in
 * every spelling a {@link SecretMatcher} knows (URL, JSON or HTML escaped, base64, hex…).
 */
final class Credential {
  /** No credential. */
  static final Credential NONE = new Credential(null, null);

  private final CredentialAuth auth;
  private final String secret;
  private final SecretMatcher matcher;

  private Credential(CredentialAuth auth, String secret) {
    this.auth = auth;
    this.secret = secret;
    if (auth == null || secret == null) {
      this.matcher = SecretMatcher.none();
    } else {
      this.matcher = SecretMatcher.of(auth.type() == CredentialAuth.Type.BASIC ? List.of(secret, basicToken())
          : List.of(secret));
    }
  }

  static Credential of(CredentialAuth auth, String secret) {
    return new Credential(auth, secret);
  }

  /**
   * {@code previous} if it holds this very secret for this {@code auth} (its matcher, slow to build, is kept:
   * matchers are immutable and shared), else a new credential. A secret that changed gets a new matcher.
   */
  static Credential reuse(Credential previous, CredentialAuth auth, String secret) {
    // Both values are the broker's own (nothing a caller presented): a plain comparison is fine.
    if (previous != null && previous.auth != null && previous.auth.equals(auth) && previous.secret != null
        && previous.secret.equals(secret)) {
      return previous;
    }
    return new Credential(auth, secret);
  }

  /** Adds the credential's header, if it travels in one. */
  void applyHeaders(MultiMap headers) {
    if (auth == null) {
      return;
    }
    switch (auth.type()) {
      case BEARER:
        headers.set("Authorization", "Bearer " + secret);
        break;
      case BASIC:
        headers.set("Authorization", "Basic " + basicToken());
        break;
      case HEADER:
        headers.set(auth.name(), secret);
        break;
      default:
        break;
    }
  }

  /** The request path and query, with the credential's query parameter when it travels in one. */
  String applyQuery(String pathAndQuery) {
    if (auth == null || auth.type() != CredentialAuth.Type.QUERY) {
      return pathAndQuery;
    }
    return pathAndQuery + (pathAndQuery.indexOf('?') < 0 ? '?' : '&')
        + URLEncoder.encode(auth.name(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(secret, StandardCharsets.UTF_8);
  }

  /** {@code text} with every occurrence of the secret, in any spelling, replaced by {@code [redacted]}. */
  String redact(String text) {
    if (!matcher.active() && secret != null && !secret.isEmpty() && text != null) {
      // Too short to search for in every spelling without matching ordinary text: raw only, as always.
      return text.replace(secret, "[redacted]");
    }
    return matcher.scrub(text);
  }

  private String basicToken() {
    return Base64.getEncoder().encodeToString((auth.username() + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** Whether a secret is present (false for {@link #NONE}). */
  boolean present() {
    return secret != null;
  }

  @Override
  public String toString() {
    return auth == null ? "Credential[none]" : "Credential[" + auth.type().key() + ", redacted]";
  }
}
