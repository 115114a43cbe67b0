package dev.ephyr.broker.admin;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ephyr.broker.policy.AdminPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dashboard sign-in sessions: self-authenticating tokens that any node accepts, so a browser needs no sticky
 * node. {@code eas1.<kid>.<admin>.<expiry>.<binding>.<nonce>.<mac>}: the MAC is HMAC-SHA256 under a key derived from
 * the keyring; the binding is a digest of the admin's credential hash, so removing the admin or changing
 * their credential in the policy ends their sessions at once. Signing out ends a session cluster-wide: its
 * digest goes into a Hazelcast map until the session would have expired, and every node looks there before
 * it accepts a session. The token lives in an HttpOnly cookie and is never shown to scripts.
 */
public final class AdminSessions {
  /** Every session token starts with this; credentials never do. */
  public static final String PREFIX = "eas1.";
  /** The session cookie's name. */
  public static final String COOKIE = "ephyr_admin";
  /** The header every cookie-authenticated admin request must carry (a cross-site form cannot set it). */
  public static final String CSRF_HEADER = "X-Ephyr-CSRF";
  private static final int MAX_TOKEN = 512;
  private static final byte[] LABEL = "ephyr-admin-session/1".getBytes(StandardCharsets.US_ASCII);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** Map of ended sessions: digest of the token → its expiry (unix seconds), each entry living until then. */
  static final String ENDED_MAP = "ephyr.admin.ended-sessions";
  /** Kept past a session's expiry, for nodes whose clocks run behind. */
  private static final long CLOCK_SLACK_SECONDS = 300;

  private final Keyring keyring;
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final IMap<String, Long> ended;
  private final Map<String, Long> endedHere;

  /** Sessions under {@code keyring}'s keys lasting {@code ttl}; ended sessions go to a map on {@code hz}. */
  public AdminSessions(Keyring keyring, Clock clock, Duration ttl, HazelcastInstance hz) {
    this.keyring = keyring;
    this.clock = clock;
    this.ttl = ttl;
    this.ended = hz.getMap(ENDED_MAP);
    this.endedHere = null;
  }

  /** Sessions of a single process (tests): ended sessions are remembered in this instance only. */
  public AdminSessions(Keyring keyring, Clock clock, Duration ttl) {
    this.keyring = keyring;
    this.clock = clock;
    this.ttl = ttl;
    this.ended = null;
    this.endedHere = new ConcurrentHashMap<>();
  }

  /**
   * A session whose signature, expiry and admin binding hold (it may still have been ended).
   *
   * @param admin the admin it belongs to under the policy checked against
   * @param id a digest of the token, naming it in the map of ended sessions (never the token itself)
   * @param expiresAt unix seconds
   */
  public record Valid(AdminPolicy admin, String id, long expiresAt) {}

  /** How long a session lasts. */
  public Duration ttl() {
    return ttl;
  }

  /** A new session for {@code admin}. */
  public String mint(AdminPolicy admin) {
    String kid = keyring.activeKid();
    byte[] nonce = new byte[9];
    random.nextBytes(nonce); // two sign-ins within a second are two sessions: ending one leaves the other
    String payload = PREFIX + kid + "." + B64.encodeToString(admin.name().getBytes(StandardCharsets.UTF_8)) + "."
        + clock.instant().plus(ttl).getEpochSecond() + "." + binding(admin) + "." + B64.encodeToString(nonce);
    return payload + "." + B64.encodeToString(mac(kid, payload));
  }

  /** Whether {@code credential} is shaped like a session token (it may still be invalid). */
  public static boolean looksLikeSession(String credential) {
    return credential != null && credential.startsWith(PREFIX);
  }

  /**
   * The admin this session belongs to under {@code policy}, or empty when the token is malformed, forged,
   * expired, signed with a retired key, or its admin is gone or has a new credential.
   */
  public Optional<AdminPolicy> verify(String token, Policy policy) {
    return check(token, policy).map(Valid::admin);
  }

  /**
   * Like {@link #verify}, with the session's id and expiry; whether it was ended is {@link #isEnded}'s
   * question (a map read).
   */
  public Optional<Valid> check(String token, Policy policy) {
    if (token == null || token.length() > MAX_TOKEN || !token.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
    if (parts.length != 6 || !keyring.contains(parts[0])) {
      return Optional.empty();
    }
    String payload = token.substring(0, token.lastIndexOf('.'));
    // Compared as text: only the one canonical encoding of the MAC is accepted (base64 can spell the same
    // bytes several ways in its last character).
    byte[] expected = B64.encodeToString(mac(parts[0], payload)).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, parts[5].getBytes(StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    long expiry;
    String name;
    try {
      expiry = Long.parseLong(parts[2]);
      name = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (Instant.ofEpochSecond(expiry).isBefore(clock.instant())) {
      return Optional.empty();
    }
    AdminPolicy admin = policy.admins().get(name);
    if (admin == null || !MessageDigest.isEqual(binding(admin).getBytes(StandardCharsets.US_ASCII),
        parts[3].getBytes(StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    return Optional.of(new Valid(admin, digest(token), expiry));
  }

  /**
   * Whether {@code session} was ended (signed out) on any node. Fails when the map cannot be read: sessions
   * carry an admin's authority, so the caller refuses rather than assume "not ended".
   */
  public Future<Boolean> isEnded(Valid session, Context ctx) {
    if (ended == null) {
      return Future.succeededFuture(endedHere.containsKey(session.id()));
    }
    try {
      return Future.fromCompletionStage(ended.getAsync(session.id()), ctx).map(v -> v != null);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Ends {@code session} cluster-wide. Completes once the map holds it (on its owner and synchronous backup),
   * from when every node's {@link #isEnded} answers true; the entry lives as long as the session could.
   */
  public Future<Void> end(Valid session, Context ctx) {
    long left = Math.max(1, session.expiresAt() - clock.instant().getEpochSecond()) + CLOCK_SLACK_SECONDS;
    if (ended == null) {
      endedHere.put(session.id(), session.expiresAt());
      return Future.succeededFuture();
    }
    try {
      return Future.fromCompletionStage(ended.setAsync(session.id(), session.expiresAt(), left, TimeUnit.SECONDS),
          ctx);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static String digest(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
      return B64.encodeToString(java.util.Arrays.copyOf(d, 24));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  private static String binding(AdminPolicy admin) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(admin.credentialHash().getBytes(StandardCharsets.US_ASCII));
      return B64.encodeToString(java.util.Arrays.copyOf(d, 12));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  private byte[] mac(String kid, String payload) {
    byte[] key = keys.computeIfAbsent(kid, k -> keyring.rootKey(k, LABEL).toBytes(InsecureSecretAccess.get()));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing", e);
    }
  }

  @Override
  public String toString() {
    return "AdminSessions[ttl=" + ttl + "]";
  }
}
