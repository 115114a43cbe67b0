package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.CredentialAuth;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Puts the service's credential on the upstream request — bearer, basic, a named header or a query parameter
 * (the spellings that must never come back to the agent are in its {@link MatcherCache} matcher). Its
 * {@code toString} does not show the secret.
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

  private String basicToken() {
    return basicToken(auth.username(), secret);
  }

  /** The Basic token of {@code username} and {@code secret}. */
  static String basicToken(String username, String secret) {
    return Base64.getEncoder().encodeToString((username + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Injection[" + (auth == null ? "none" : auth.type().key()) + ", secret=redacted]";
  }
}
