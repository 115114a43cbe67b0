package dev.ephyr.broker.federation;

import java.time.Instant;

/**
 * What the broker knows of a remote's health, as {@code list_remotes} shows it.
 *
 * @param up whether the last discovery or call reached the remote
 * @param lastRefresh when discovery last succeeded, or null
 * @param lastAttempt when discovery was last tried, or null
 * @param lastErrorCode the stable code of the last failure, or null
 * @param lastError the last failure, for people (never a secret), or null
 * @param failures consecutive failed discoveries
 * @param nextRefresh when discovery runs next, or null
 */
record RemoteStatus(boolean up, Instant lastRefresh, Instant lastAttempt, String lastErrorCode, String lastError,
    int failures, Instant nextRefresh) {

  /** Not yet tried. */
  static final RemoteStatus NEW = new RemoteStatus(false, null, null, null, null, 0, null);

  RemoteStatus succeeded(Instant at) {
    return new RemoteStatus(true, at, at, null, null, 0, nextRefresh);
  }

  RemoteStatus failed(Instant at, RemoteFailure f, boolean discovery) {
    return new RemoteStatus(false, lastRefresh, discovery ? at : lastAttempt, f.kind().code(), f.getMessage(),
        discovery ? failures + 1 : failures, nextRefresh);
  }

  RemoteStatus reachable() {
    return up ? this : new RemoteStatus(true, lastRefresh, lastAttempt, lastErrorCode, lastError, failures,
        nextRefresh);
  }

  RemoteStatus next(Instant at) {
    return new RemoteStatus(up, lastRefresh, lastAttempt, lastErrorCode, lastError, failures, at);
  }
}
