package dev.ephyr.broker.policy;

import java.util.Objects;

/**
 * How the broker authenticates to an upstream service or remote MCP server; the agent never sees the secret.
 *
 * @param type how the secret is sent
 * @param name header or query parameter name ({@code header}/{@code query}), otherwise {@code null}
 * @param username user name ({@code basic}), otherwise {@code null}
 * @param secret where the secret (token, password, header value) lives
 */
public record CredentialAuth(Type type, String name, String username, SecretRef secret) {

  /** Checks the components required by each type. */
  public CredentialAuth {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(secret, "secret");
  }

  /** How the secret is sent. */
  public enum Type {
    /** {@code Authorization: Bearer <secret>}. */
    BEARER("bearer"),
    /** {@code Authorization: Basic base64(username:secret)}. */
    BASIC("basic"),
    /** {@code <name>: <secret>}. */
    HEADER("header"),
    /** {@code ?<name>=<secret>} on the upstream URL. */
    QUERY("query");

    private final String key;

    Type(String key) {
      this.key = key;
    }

    /** The policy-file spelling. */
    public String key() {
      return key;
    }

    static Type ofKey(String key) {
      for (Type t : values()) {
        if (t.key.equals(key)) {
          return t;
        }
      }
      return null;
    }
  }
}
