package dev.ephyr.broker.federation;

import dev.ephyr.broker.policy.CredentialAuth;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A remote's resolved credential and how it is sent. Never printed: {@link #toString} is redacted, and
 * {@link #redact} scrubs it from text a remote sends back, in case the remote echoes what it received.
 */
final class Credential {
  /** No credential. */
  static final Credential NONE = new Credential(null, null);

  private final CredentialAuth auth;
  private final String secret;

  private Credential(CredentialAuth auth, String secret) {
    this.auth = auth;
    this.secret = secret;
  }

  static Credential of(CredentialAuth auth, String secret) {
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
        headers.set("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (auth.username() + ":" + secret).getBytes(StandardCharsets.UTF_8)));
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

  /** {@code text} with every occurrence of the secret (raw, and as sent in a header) replaced. */
  String redact(String text) {
    if (secret == null || text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    if (out.contains(secret)) {
      out = out.replace(secret, "[redacted]");
    }
    if (auth.type() == CredentialAuth.Type.BASIC) {
      String b64 = Base64.getEncoder().encodeToString((auth.username() + ":" + secret)
          .getBytes(StandardCharsets.UTF_8));
      if (out.contains(b64)) {
        out = out.replace(b64, "[redacted]");
      }
    }
    if (auth.type() == CredentialAuth.Type.QUERY) {
      String enc = URLEncoder.encode(secret, StandardCharsets.UTF_8);
      if (!enc.equals(secret) && out.contains(enc)) {
        out = out.replace(enc, "[redacted]");
      }
    }
    return out;
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
