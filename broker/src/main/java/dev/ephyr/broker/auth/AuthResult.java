package dev.ephyr.broker.auth;

/** The outcome of authentication: a caller, or a rejection. */
public sealed interface AuthResult {

  /** Authenticated. */
  record Authenticated(Caller caller) implements AuthResult {}

  /** Refused. */
  record Refused(Rejection rejection) implements AuthResult {}
}
