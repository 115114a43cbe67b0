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
 * under a key derived from the keyring (so every node with the keyring checks it). A session lives while it
 * is used: it expires after {@code idle} without use and in any case {@code maxAge} after it was issued.
 * The last use (written at most every {@link #touchEvery()}) and the end of a session (DELETE) are kept
 * cluster-wide, each entry only as long as it can matter.
 */
public final class McpSessions {
  static final String ACTIVITY_MAP = "ephyr.mcp.session-activity";
  /** The activity value of an ended session. */
  private static final long ENDED = -1;
  /** Entries of the node-local store used without a cluster (tests, tools). */
  private static final int LOCAL_MAX = 10_000;
  private static final int MAX_ID_CHARS = 512;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final byte[] LABEL = "ephyr-mcp-session/1".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, byte[]> keys = new HashMap<>(); // kid -> derived session key; fixed after construction
  private final String activeKid;
  private final Clock clock;
  private final Duration idle;
  private final Duration maxAge;
  private final SecureRandom random = new SecureRandom();
  private final IMap<String, Long> activity;
  private final Map<String, Long> local = new java.util.concurrent.ConcurrentHashMap<>();

  /** Sessions that live {@code ttl} from issue, used or not (idle bound and cap both {@code ttl}). */
  public McpSessions(Keyring keyring, Clock clock, Duration ttl, HazelcastInstance hz) {
    this(keyring, clock, ttl, ttl, hz);
  }

  /**
   * Sessions keyed from {@code keyring}; activity and ends go to a map on {@code hz} (or stay on this node
   * when {@code hz} is null).
   *
   * @param idle a session unused this long expires
   * @param maxAge a session expires this long after it was issued, however used (at least {@code idle})
   */
  public McpSessions(Keyring keyring, Clock clock, Duration idle, Duration maxAge, HazelcastInstance hz) {
    if (idle.compareTo(Duration.ofSeconds(1)) < 0 || maxAge.compareTo(idle) < 0) {
      throw new IllegalArgumentException("session idle bound must be at least 1 s and at most the maximum age");
    }
    for (String kid : keyring.kids()) {
      // A macaroon identifier is always "e1/<kid>/<ulid>", so this derivation never equals a tree's root key.
      keys.put(kid, keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get()));
    }
    this.activeKid = keyring.activeKid();
    this.clock = clock;
    this.idle = idle;
    this.maxAge = maxAge;
    this.activity = hz == null ? null : hz.getMap(ACTIVITY_MAP);
  }

  /** How stale the recorded last use may get before a request writes it again (a tenth of the idle bound). */
  Duration touchEvery() {
    return idle.dividedBy(10);
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

  /**
   * The session named by {@code id}, or {@code null} when it is forged, malformed, or past its maximum age;
   * whether it is still alive (used recently, not ended) is {@link #state}'s to say.
   */
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
    if (issued > now + 60 || now >= issued + maxAge.getSeconds()) {
      return null;
    }
    return new Session(id, f[0], f[1], issued);
  }

  /** Where an authentic session stands. */
  public enum State {
    /** In use: the request counts as use. */
    LIVE,
    /** Unused for longer than the idle bound. */
    IDLE_EXPIRED,
    /** Ended by DELETE. */
    ENDED
  }

  /**
   * Where {@code s} stands, counting this request as use (the last use is written cluster-wide when the
   * recorded one is older than {@link #touchEvery()}). An unreachable store counts as "in use": sessions
   * carry no authority (every request authenticates), so this fails open.
   */
  public Future<State> use(Session s, Context ctx) {
    String key = digest(s.id());
    return read(key, ctx).map(v -> {
      if (v != null && v == ENDED) {
        return State.ENDED;
      }
      long now = clock.instant().getEpochSecond();
      long last = Math.max(s.issuedAt(), v == null ? 0 : v);
      if (now - last >= idle.getSeconds()) {
        return State.IDLE_EXPIRED;
      }
      if (now - last >= touchEvery().getSeconds()) {
        write(key, now, s, ctx); // best effort: a lost write costs at most one more write later
      }
      return State.LIVE;
    });
  }

  /** Ends the session cluster-wide. */
  public Future<Void> end(Session s, Context ctx) {
    return write(digest(s.id()), ENDED, s, ctx);
  }

  /** The idle bound. */
  public Duration idle() {
    return idle;
  }

  private Future<Long> read(String key, Context ctx) {
    if (activity == null) {
      return Future.succeededFuture(local.get(key));
    }
    try {
      return Future.fromCompletionStage(activity.getAsync(key), ctx).otherwise((Long) null);
    } catch (RuntimeException e) {
      return Future.succeededFuture(null);
    }
  }

  /** Keeps {@code value} until the session could no longer be alive anyway (max age, or idle from now). */
  private Future<Void> write(String key, long value, Session s, Context ctx) {
    long now = clock.instant().getEpochSecond();
    long untilCap = s.issuedAt() + maxAge.getSeconds() - now;
    long keep = Math.max(1, value == ENDED ? untilCap : Math.min(untilCap, idle.getSeconds()));
    if (activity == null) {
      if (local.size() >= LOCAL_MAX) {
        local.clear(); // node-local mode only; forgetting use can only end sessions sooner
      }
      local.put(key, value);
      return Future.succeededFuture();
    }
    try {
      return Future.fromCompletionStage(activity.setAsync(key, value, keep, TimeUnit.SECONDS), ctx);
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
    return "McpSessions[keys=redacted, idle=" + idle + ", maxAge=" + maxAge + "]";
  }
}
