package dev.ephyr.broker.bus;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the event-bus messages that carry authority between nodes, and opens them on arrival. A sealed
 * message is AES-256-GCM under a key derived from the keyring (label {@code ephyr-bus/1}, which no token
 * identifier can equal; one key per kid,
 * the active kid seals): the GCM tag authenticates the body together with the address it was sent to, the
 * sender's node id, the time and the key id, and the body is unreadable to anyone without the keyring. On
 * arrival: the key id must be known, the time within the window, the tag valid, the nonce never seen before.
 * A reply is sealed to the request's nonce, so it cannot be swapped for another.
 *
 * <pre>{"sealed": 1, "kid": "k1", "from": "n1", "ts": 1767225600000, "nonce": "...", "ct": "..."}</pre>
 */
public final class BusSeal {
  /** Default freshness window: clocks of nodes must agree within it (NTP). */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  static final byte[] LABEL = "ephyr-bus/1".getBytes(StandardCharsets.US_ASCII);
  static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;
  /** Bound on one sealed message (base64 text), far above the largest reply (audit queries, SSH output). */
  static final int MAX_SEALED_CHARS = 24 * 1024 * 1024;
  static final int NONCE_CAPACITY = 200_000;

  private final String nodeId;
  private final String activeKid;
  private final Map<String, SecretKeySpec> keys = new HashMap<>();
  private final Clock clock;
  private final long windowMillis;
  private final SecureRandom random = new SecureRandom();
  private final NonceCache nonces = new NonceCache(NONCE_CAPACITY);
  private final BiConsumer<String, Opened.Refused> onRefused;

  /**
   * Seals as {@code nodeId} with {@code keyring}'s active kid; opens what any kid of it sealed; tells
   * {@code onRefused} (address, refusal) of every message it refuses.
   */
  public BusSeal(Keyring keyring, String nodeId, Clock clock, Duration window,
      BiConsumer<String, Opened.Refused> onRefused) {
    this.nodeId = nodeId;
    this.onRefused = onRefused;
    this.activeKid = keyring.activeKid();
    for (String kid : keyring.kids()) {
      byte[] k = keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get());
      keys.put(kid, new SecretKeySpec(k, "AES"));
      java.util.Arrays.fill(k, (byte) 0);
    }
    this.clock = clock;
    this.windowMillis = window.toMillis();
    // First use of AES-GCM loads and initialises the JCE provider (a few hundred ms under load), and the first
    // seal loads the classes around it: pay both on the boot thread, not on the first event loop that seals.
    if (!(check("warm-up", seal("warm-up", new JsonObject()), false) instanceof Opened.Ok)) {
      throw new IllegalStateException("a sealed message did not open on the node that sealed it");
    }
  }

  /** This node's id, as it appears in what it seals. */
  public String nodeId() {
    return nodeId;
  }

  /** {@code body} sealed for delivery to {@code address}. */
  public JsonObject seal(String address, JsonObject body) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    long ts = clock.millis();
    byte[] ct = crypt(Cipher.ENCRYPT_MODE, keys.get(activeKid), nonce, aad(address, nodeId, ts, activeKid),
        body.encode().getBytes(StandardCharsets.UTF_8));
    return new JsonObject().put("sealed", 1).put("kid", activeKid).put("from", nodeId).put("ts", ts)
        .put("nonce", b64(nonce)).put("ct", b64(ct));
  }

  /** A reply to the request that {@code request} opened, sealed to that request. */
  public JsonObject sealReply(Opened.Ok request, JsonObject body) {
    return seal(replyAddress(request.nonce()), body);
  }

  /** Opens the reply to a request this node sealed as {@code sealedRequest}. */
  public Opened openReply(JsonObject sealedRequest, Object reply) {
    return open(replyAddress(sealedRequest.getString("nonce")), reply);
  }

  private static String replyAddress(String requestNonce) {
    return "reply:" + requestNonce;
  }

  /** Opens a message that arrived at {@code address}; never throws. Refusals are reported. */
  public Opened open(String address, Object message) {
    Opened o = check(address, message, true);
    if (o instanceof Opened.Refused r) {
      onRefused.accept(address, r);
    }
    return o;
  }

  /**
   * Opens a published message, which every subscriber on this node receives (so its nonce is not single-use
   * here). Only for broadcasts that carry information, not orders: a copy replayed within the window only
   * repeats what subscribers already saw.
   */
  public Opened openBroadcast(String address, Object message) {
    Opened o = check(address, message, false);
    if (o instanceof Opened.Refused r) {
      onRefused.accept(address, r);
    }
    return o;
  }

  private Opened check(String address, Object message, boolean singleUse) {
    if (!(message instanceof JsonObject m) || !Integer.valueOf(1).equals(m.getValue("sealed"))) {
      return new Opened.Refused("bus_unsealed", "not a sealed message");
    }
    if (!(m.getValue("kid") instanceof String kid && m.getValue("from") instanceof String from
        && m.getValue("ts") instanceof Number tsn && m.getValue("nonce") instanceof String nonceText
        && m.getValue("ct") instanceof String ctText) || from.length() > 128 || ctText.length() > MAX_SEALED_CHARS) {
      return new Opened.Refused("bus_malformed", "a field of the sealed message is missing or too long");
    }
    SecretKeySpec key = keys.get(kid);
    if (key == null) {
      return new Opened.Refused("bus_unknown_key", "key id '" + clip(kid) + "' is not in this node's keyring");
    }
    long ts = tsn.longValue();
    long now = clock.millis();
    if (Math.abs(now - ts) > windowMillis) {
      return new Opened.Refused("bus_stale", "sealed " + (now - ts) + " ms ago by " + clip(from)
          + ", outside the window of " + windowMillis + " ms");
    }
    byte[] nonce;
    byte[] ct;
    try {
      nonce = Base64.getUrlDecoder().decode(nonceText);
      ct = Base64.getUrlDecoder().decode(ctText);
    } catch (IllegalArgumentException e) {
      return new Opened.Refused("bus_malformed", "nonce or body is not base64url");
    }
    if (nonce.length != NONCE_BYTES) {
      return new Opened.Refused("bus_malformed", "the nonce must be " + NONCE_BYTES + " bytes");
    }
    byte[] plain;
    try {
      plain = crypt(Cipher.DECRYPT_MODE, key, nonce, aad(address, from, ts, kid), ct);
    } catch (BadTag e) {
      return new Opened.Refused("bus_bad_mac", "the seal does not match (forged, altered, or sent to another "
          + "address) from " + clip(from));
    }
    // Checked after the tag, so nobody without the keyring can fill the cache.
    switch (singleUse ? nonces.firstUse(nonceText, ts + windowMillis, now) : NonceCache.Use.FIRST) {
      case REPLAYED:
        return new Opened.Refused("bus_replayed", "nonce already seen from " + clip(from));
      case FULL:
        return new Opened.Refused("bus_busy", "too many sealed messages within the window");
      default:
        break;
    }
    try {
      return new Opened.Ok(new JsonObject(new String(plain, StandardCharsets.UTF_8)), from, nonceText);
    } catch (DecodeException | ClassCastException e) {
      return new Opened.Refused("bus_malformed", "the sealed body is not a JSON object");
    }
  }

  private static byte[] aad(String address, String from, long ts, String kid) {
    return ("ephyr-bus/1\n" + address + "\n" + from + "\n" + ts + "\n" + kid).getBytes(StandardCharsets.UTF_8);
  }

  /** A tag that does not verify: expected input, not a bug. */
  private static final class BadTag extends RuntimeException {
    BadTag() {
      super(null, null, false, false);
    }
  }

  private static byte[] crypt(int mode, SecretKeySpec key, byte[] nonce, byte[] aad, byte[] data) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad);
      return c.doFinal(data);
    } catch (AEADBadTagException e) {
      throw new BadTag();
    } catch (GeneralSecurityException e) {
      if (mode == Cipher.DECRYPT_MODE) {
        throw new BadTag(); // e.g. a body shorter than the tag
      }
      throw new IllegalStateException("AES-GCM is in every JDK", e);
    }
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  @Override
  public String toString() {
    return "BusSeal[" + nodeId + ", kid " + activeKid + ", keys redacted]";
  }
}
