package dev.ephyr.broker.mcp;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Self-authenticating MCP session ids, valid on every node: {@code s1.<kid>.<payload>.<mac>} where the
 * payload names the agent, the negotiated protocol version and the issue time, and the MAC is HMAC-SHA256
 * under a key derived from the keyring (so every node with the keyring checks it, nothing is stored).
 * Ended sessions (DELETE) are remembered cluster-wide until they would have expired anyway.
 */
public final class McpSessions {
  static final String ENDED_MAP = "ephyr.mcp.ended-sessions";
  private static final int MAX_ID_CHARS = 512;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final byte[] LABEL = "ephyr-mcp-session/1".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, byte[]> keys = new HashMap<>(); // kid -> derived session key; fixed after construction
  private final String activeKid;
  private final Clock clock;
  private final Duration ttl;
  private final SecureRandom random = new SecureRandom();
  private final IMap<String, Long> ended;

  /** Sessions keyed from {@code keyring}, living {@code ttl}; ended ids go to a map on {@code hz}. */
  public McpSessions(Keyring keyring, Clock clock, Duration ttl, HazelcastInstance hz) {
    for (String kid : keyring.kids()) {
      // A macaroon identifier is always "e1/<kid>/<ulid>", so this derivation never equals a tree's root key.
      keys.put(kid, keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get()));
    }
    this.activeKid = keyring.activeKid();
    this.clock = clock;
    this.ttl = ttl;
    this.ended = hz == null ? null : hz.getMap(ENDED_MAP);
  }

  /**
   * A valid session.
   *
   * @param id the session id
   * @param agent the agent it belongs to
   * @param version the negotiated protocol version
   * @param issuedAt unix seconds
   */
  public record Session(String id, String agent, String version, long issuedAt) {
    @Override
    public String toString() {
      return "Session[" + agent + ", " + version + "]";
    }
  }

  /** A new session id for {@code agent} at {@code version}. */
  public String issue(String agent, String version) {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    String payload = agent + "\n" + version + "\n" + clock.instant().getEpochSecond() + "\n" + B64.encodeToString(nonce);
    String p = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    String signed = "s1." + activeKid + "." + p;
    return signed + "." + B64.encodeToString(mac(keys.get(activeKid), signed));
  }

  /** The session named by {@code id}, or {@code null} when it is forged, expired or malformed. */
  public Session check(String id) {
    if (id == null || id.length() > MAX_ID_CHARS) {
      return null;
    }
    String[] parts = id.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("s1")) {
      return null;
    }
    byte[] key = keys.get(parts[1]);
    if (key == null) {
      return null;
    }
    byte[] given;
    String payload;
    try {
      given = B64D.decode(parts[3]);
      payload = new String(B64D.decode(parts[2]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    byte[] expected = mac(key, parts[0] + "." + parts[1] + "." + parts[2]);
    if (!MessageDigest.isEqual(expected, given)) {
      return null;
    }
    String[] f = payload.split("\n", -1);
    if (f.length != 4) {
      return null;
    }
    long issued;
    try {
      issued = Long.parseLong(f[2]);
    } catch (NumberFormatException e) {
      return null;
    }
    long now = clock.instant().getEpochSecond();
    if (issued > now + 60 || now >= issued + ttl.getSeconds()) {
      return null;
    }
    return new Session(id, f[0], f[1], issued);
  }

  /** Whether the session was ended (DELETE) on any node; an unreachable store counts as "not ended". */
  public Future<Boolean> isEnded(Session s, Context ctx) {
    if (ended == null) {
      return Future.succeededFuture(false);
    }
    try {
      return Future.fromCompletionStage(ended.getAsync(digest(s.id())), ctx).map(v -> v != null)
          .otherwise(false); // sessions carry no authority (every request authenticates), so fail open here
    } catch (RuntimeException e) {
      return Future.succeededFuture(false);
    }
  }

  /** Ends the session cluster-wide. */
  public Future<Void> end(Session s, Context ctx) {
    if (ended == null) {
      return Future.succeededFuture();
    }
    long left = Math.max(1, s.issuedAt() + ttl.getSeconds() - clock.instant().getEpochSecond());
    try {
      return Future.fromCompletionStage(ended.setAsync(digest(s.id()), s.issuedAt(), left, TimeUnit.SECONDS), ctx);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static String digest(String id) {
    try {
      return B64.encodeToString(Arrays.copyOf(MessageDigest.getInstance("SHA-256")
          .digest(id.getBytes(StandardCharsets.UTF_8)), 18));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] mac(byte[] key, String text) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return Arrays.copyOf(m.doFinal(text.getBytes(StandardCharsets.UTF_8)), 20);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "McpSessions[keys=redacted, ttl=" + ttl + "]";
  }
}
