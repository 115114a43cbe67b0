package dev.ephyr.broker.federation;

/**
 * Why an exchange with a remote MCP server failed. Stackless: a remote being down is an expected outcome.
 * The message is for people (status, audit, the agent) and never carries the credential.
 */
final class RemoteFailure extends RuntimeException {
  /** Stable codes, for audit, metrics and the agent. */
  enum Kind {
    /** Could not connect, or the connection broke. */
    UNREACHABLE("remote_unreachable"),
    /** No complete answer within the remote's timeout. */
    TIMEOUT("remote_timeout"),
    /** The answer was larger than the remote's {@code max_response_bytes} (or another bound). */
    TOO_LARGE("remote_response_too_large"),
    /** The remote answered with a redirect, which is never followed. */
    REDIRECT("remote_redirect_refused"),
    /** The remote's host resolved to an address the policy does not allow. */
    ADDRESS("remote_address_refused"),
    /** The remote refused the broker's credential (401/403). */
    AUTH("remote_auth_failed"),
    /** The remote forgot the session (404 on a request carrying one). */
    SESSION_EXPIRED("remote_session_expired"),
    /** Another HTTP error status. */
    HTTP_STATUS("remote_http_error"),
    /** The answer was not the JSON-RPC a Streamable HTTP server sends. */
    BAD_RESPONSE("remote_bad_response"),
    /** The remote's credential could not be read (unset variable, unreadable file). */
    CREDENTIAL("remote_credential_unavailable"),
    /** The caller cancelled the call (or went away); the request to the remote was abandoned. */
    CANCELLED("cancelled"),
    /** The caller's task was revoked while the call was on its way; nothing was sent. */
    REVOKED("revoked");

    private final String code;

    Kind(String code) {
      this.code = code;
    }

    /** The stable code. */
    String code() {
      return code;
    }
  }

  private final Kind kind;

  RemoteFailure(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }
}
