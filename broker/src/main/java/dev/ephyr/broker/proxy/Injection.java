package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.CredentialAuth;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Puts the service's credential on the upstream request — bearer, basic, a named header or a query parameter
 * — and lists the spellings of it that must never come back to the agent. No {@code toString}: it holds the
 * secret.
 */
final class Injection {
  private final CredentialAuth auth;
  private final String secret;

  private Injection(CredentialAuth auth, String secret) {
    this.auth = auth;
    this.secret = secret;
  }

  /** The injection for {@code auth} with its resolved {@code secret}; {@code auth} null means none. */
  static Injection of(CredentialAuth auth, String secret) {
    return new Injection(auth, secret);
  }

  /** Why a resolved secret cannot be sent as {@code auth} says (never quoting it), or {@code null}. */
  static String problem(String secret) {
    for (int i = 0; i < secret.length(); i++) {
      char c = secret.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "the secret contains a control character (line break?) and cannot go into a header or URL";
      }
    }
    return null;
  }

  /** Sets the credential header on {@code headers}. */
  void applyHeaders(MultiMap headers) {
    if (auth == null) {
      return;
    }
    switch (auth.type()) {
      case BEARER -> headers.set("Authorization", "Bearer " + secret);
      case BASIC -> headers.set("Authorization", "Basic " + basicToken());
      case HEADER -> headers.set(auth.name(), secret);
      case QUERY -> { }
      default -> throw new IllegalStateException("unknown credential type");
    }
  }

  /** {@code rawQuery} with the credential parameter appended when the type is {@code query}. */
  String applyQuery(String rawQuery) {
    if (auth == null || auth.type() != CredentialAuth.Type.QUERY) {
      return rawQuery;
    }
    String param = URLEncoder.encode(auth.name(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(secret, StandardCharsets.UTF_8);
    return rawQuery == null ? param : rawQuery + "&" + param;
  }

  /**
   * A {@link Redactor} for the secret and the Basic token built from it; the matcher covers their encoded
   * spellings (URL, JSON, HTML, base64, hex…).
   */
  Redactor redactor() {
    if (auth == null) {
      return Redactor.none();
    }
    return Redactor.of(auth.type() == CredentialAuth.Type.BASIC ? List.of(secret, basicToken()) : List.of(secret));
  }

  private String basicToken() {
    return Base64.getEncoder().encodeToString((auth.username() + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Injection[" + (auth == null ? "none" : auth.type().key()) + ", secret=redacted]";
  }
}
