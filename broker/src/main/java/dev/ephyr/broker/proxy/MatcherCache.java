package dev.ephyr.broker.proxy;

import dev.ephyr.broker.policy.CredentialAuth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link SecretMatcher} per configured credential, built once and shared by every request (matchers are
 * immutable): building one costs far more than the rest of a proxied call. Keyed by the policy's credential
 * (where the secret lives and how it is sent), each entry remembering the value it was built for, so a secret
 * that changes gets a new matcher and the old value is dropped. Emptied if it ever grows past
 * {@link #MAX_ENTRIES}. Holds secrets: never printed, no {@code toString} showing them.
 */
final class MatcherCache {
  static final int MAX_ENTRIES = 256;

  private record Entry(String secret, SecretMatcher matcher) {
    @Override
    public String toString() {
      return "Entry[redacted]";
    }
  }

  private final Map<CredentialAuth, Entry> entries = new ConcurrentHashMap<>();

  /** The matcher built for {@code secret} sent as {@code auth}, or {@code null} if there is none yet. */
  SecretMatcher peek(CredentialAuth auth, String secret) {
    Entry e = entries.get(auth);
    // Both sides are the broker's own secret (nothing presented by a caller), so a plain comparison is fine;
    // within the secret cache's lifetime it is the same String and equals returns at the identity check.
    return e != null && e.secret.equals(secret) ? e.matcher : null;
  }

  /** The matcher for {@code secret} sent as {@code auth}, built now if needed (slow: keep off event loops). */
  SecretMatcher get(CredentialAuth auth, String secret) {
    SecretMatcher m = peek(auth, secret);
    if (m != null) {
      return m;
    }
    m = build(auth, secret);
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(auth, new Entry(secret, m));
    return m;
  }

  /** A matcher for the secret and, for Basic, the token built from it. */
  static SecretMatcher build(CredentialAuth auth, String secret) {
    if (auth == null || secret == null) {
      return SecretMatcher.none();
    }
    return SecretMatcher.of(auth.type() == CredentialAuth.Type.BASIC
        ? List.of(secret, Injection.basicToken(auth.username(), secret)) : List.of(secret));
  }

  @Override
  public String toString() {
    return "MatcherCache[" + entries.size() + " entries, secrets redacted]";
  }
}
