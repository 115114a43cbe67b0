package dev.ephyr.broker.proxy;

/**
 * Why the proxy did not (fully) relay a request: a stable code for programs, an HTTP status for the route,
 * a sentence for the agent and a precise detail for audit. None of them ever holds a credential.
 *
 * @param code stable machine-readable code ({@code service_not_allowed}, {@code address_denied}, ...)
 * @param status HTTP status the route answers with
 * @param message for the agent
 * @param auditDetail for the audit log only
 */
public record Refusal(String code, int status, String message, String auditDetail) {

  /** A refusal whose audit detail is its message. */
  static Refusal of(String code, int status, String message) {
    return new Refusal(code, status, message, message);
  }

  /** A refusal with a separate audit detail. */
  static Refusal of(String code, int status, String message, String auditDetail) {
    return new Refusal(code, status, message, auditDetail);
  }

  /** Whether the broker refused by rule (audited as {@code deny}) rather than failed upstream ({@code error}). */
  boolean isDenial() {
    return status < 500 && !code.equals("client_closed");
  }
}
