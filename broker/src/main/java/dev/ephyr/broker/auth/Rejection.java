package dev.ephyr.broker.auth;

import java.util.Map;

/**
 * A refused authentication, ready for HTTP: status, stable code, a short message for the client, the
 * headers to add ({@code WWW-Authenticate}, {@code DPoP-Nonce}, {@code Retry-After}) and the audit detail,
 * which never reaches the client.
 *
 * @param status HTTP status
 * @param code stable reason code
 * @param message short human text for the client
 * @param headers response headers to add
 * @param auditDetail precise reason for audit and logs only
 */
public record Rejection(int status, String code, String message, Map<String, String> headers, String auditDetail) {

  /** Copies the headers. */
  public Rejection {
    headers = Map.copyOf(headers);
  }
}
