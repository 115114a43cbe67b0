package dev.ephyr.protocol.keys;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.internal.HmacSha256;
import dev.ephyr.protocol.macaroon.RootKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The master keys of a cluster: key id → 32 random bytes, one of them active. The active key mints;
 * every key verifies, so rotation is "add a key and make it active", and retiring a key is removing it.
 *
 * <p>Per-tree root keys and the fact-tagging key are derived, never stored: {@code rootKey =
 * HMAC(master[kid], "ephyr/root/" + identifier)}, {@code hopKey = HMAC(master[kid], "ephyr/hop")}.
 * Key bytes never leave this object except through {@link #toJson(InsecureSecretAccess)}.
 */
public final class Keyring {
  /** Bytes of a master key. */
  public static final int KEY_BYTES = 32;
  /** Most keys a keyring may hold. */
  public static final int MAX_KEYS = 64;
  /** Format marker written into and required from keyring files. */
  public static final String FORMAT = "ephyr-keyring/1";

  private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] HOP_LABEL = "ephyr/hop".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ROOT_LABEL = "ephyr/root/".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FINGERPRINT_LABEL = "ephyr/fingerprint".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, byte[]> keys; // sorted, unmodifiable; arrays never handed out
  private final Map<String, HopKey> hopKeys;
  private final String activeKid;
  private final String fingerprint;

  private Keyring(Map<String, byte[]> keys, String activeKid) {
    this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
    this.activeKid = activeKid;
    Map<String, HopKey> hops = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : this.keys.entrySet()) {
      hops.put(e.getKey(), new HopKey(HmacSha256.mac(e.getValue(), HOP_LABEL)));
    }
    this.hopKeys = Collections.unmodifiableMap(hops);
    this.fingerprint = computeFingerprint();
  }

  /** A new keyring holding one fresh random key, active. */
  public static Keyring generate(String kid, SecureRandom random) {
    checkKid(kid);
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    return new Keyring(Map.of(kid, key), kid);
  }

  /** This keyring plus a fresh random key under {@code kid}, which becomes active (rotation). */
  public Keyring rotate(String kid, SecureRandom random) {
    checkKid(kid);
    if (keys.containsKey(kid)) {
      throw new IllegalArgumentException("key id '" + kid + "' is already in the keyring");
    }
    if (keys.size() >= MAX_KEYS) {
      throw new IllegalArgumentException("a keyring holds at most " + MAX_KEYS + " keys; remove an old one first");
    }
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    Map<String, byte[]> next = new TreeMap<>(keys);
    next.put(kid, key);
    return new Keyring(next, kid);
  }

  /** This keyring without {@code kid}; tokens minted under it stop verifying. The active key stays. */
  public Keyring retire(String kid) {
    if (!keys.containsKey(kid)) {
      throw new IllegalArgumentException("key id '" + kid + "' is not in the keyring");
    }
    if (kid.equals(activeKid)) {
      throw new IllegalArgumentException("cannot retire the active key '" + kid + "'; rotate first");
    }
    Map<String, byte[]> next = new TreeMap<>(keys);
    next.remove(kid);
    return new Keyring(next, activeKid);
  }

  private static void checkKid(String kid) {
    if (kid == null || !KID.matcher(kid).matches()) {
      throw new IllegalArgumentException("a key id is 1-32 characters of A-Z a-z 0-9 _ -");
    }
  }

  /** The key id that mints new tokens. */
  public String activeKid() {
    return activeKid;
  }

  /** All key ids, sorted. */
  public Set<String> kids() {
    return keys.keySet();
  }

  /** Whether {@code kid} is in this keyring. */
  public boolean contains(String kid) {
    return keys.containsKey(kid);
  }

  /**
   * A fingerprint of the whole keyring (key ids, active id, and a keyed one-way digest of each key):
   * equal keyrings have equal fingerprints; it reveals nothing that helps recover a key.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /** The root key of the tree whose macaroon identifier is {@code identifier}, under {@code kid}. */
  public RootKey rootKey(String kid, byte[] identifier) {
    byte[] master = master(kid);
    byte[] msg = new byte[ROOT_LABEL.length + identifier.length];
    System.arraycopy(ROOT_LABEL, 0, msg, 0, ROOT_LABEL.length);
    System.arraycopy(identifier, 0, msg, ROOT_LABEL.length, identifier.length);
    return RootKey.of(HmacSha256.mac(master, msg));
  }

  /** The fact-tagging key of {@code kid}. */
  public HopKey hopKey(String kid) {
    HopKey hop = hopKeys.get(kid);
    if (hop == null) {
      throw new IllegalArgumentException("key id '" + kid + "' is not in the keyring");
    }
    return hop;
  }

  private byte[] master(String kid) {
    byte[] master = keys.get(kid);
    if (master == null) {
      throw new IllegalArgumentException("key id '" + kid + "' is not in the keyring");
    }
    return master;
  }

  private String computeFingerprint() {
    MessageDigest sha = HmacSha256.newSha256();
    sha.update(("active=" + activeKid + "\n").getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, byte[]> e : keys.entrySet()) {
      sha.update((e.getKey() + ":").getBytes(StandardCharsets.UTF_8));
      sha.update(HmacSha256.mac(e.getValue(), FINGERPRINT_LABEL));
      sha.update((byte) '\n');
    }
    return "kf1:" + HexFormat.of().formatHex(sha.digest(), 0, 16);
  }

  /** Compares fingerprints: same key ids, same active id, same key bytes. */
  public boolean sameAs(Keyring other) {
    return fingerprint.equals(other.fingerprint);
  }

  /** Parses a keyring file; every problem is reported with a message that never shows key material. */
  public static Keyring parse(byte[] json) throws KeyringFormatException {
    if (json.length > 64 * 1024) {
      throw new KeyringFormatException("keyring file is larger than 64 KiB");
    }
    String format = null;
    String active = null;
    Map<String, byte[]> keys = new TreeMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new KeyringFormatException("keyring must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        if (!seen.add(field)) {
          throw new KeyringFormatException("field '" + printable(field) + "' appears twice in the keyring");
        }
        JsonToken value = p.nextToken();
        switch (field) {
          case "format":
            format = text(p, value, "format");
            break;
          case "active":
            active = text(p, value, "active");
            break;
          case "keys":
            if (value != JsonToken.START_OBJECT) {
              throw new KeyringFormatException("'keys' must be an object of key id to base64url key");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String kid = p.currentName();
              if (!KID.matcher(kid).matches()) {
                throw new KeyringFormatException("key id '" + printable(kid) + "' is not 1-32 characters of A-Z a-z 0-9 _ -");
              }
              if (keys.containsKey(kid)) {
                throw new KeyringFormatException("key id '" + kid + "' appears twice in the keyring");
              }
              String encoded = text(p, p.nextToken(), "keys." + kid);
              byte[] key = Base64Url.decode(encoded);
              if (key == null || key.length != KEY_BYTES) {
                throw new KeyringFormatException("key '" + kid + "' is not " + KEY_BYTES + " bytes of base64url");
              }
              if (keys.size() == MAX_KEYS) {
                throw new KeyringFormatException("a keyring holds at most " + MAX_KEYS + " keys");
              }
              keys.put(kid, key);
            }
            break;
          default:
            throw new KeyringFormatException("unknown field '" + printable(field) + "' in keyring");
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new KeyringFormatException("keyring JSON has trailing content");
      }
    } catch (IOException e) {
      // Jackson's messages quote input, which may be key material: say only where it broke.
      throw new KeyringFormatException("keyring is not valid JSON (near line "
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null
              ? jpe.getLocation().getLineNr() : -1) + ")");
    }
    if (!FORMAT.equals(format)) {
      throw new KeyringFormatException("keyring 'format' must be \"" + FORMAT + "\"");
    }
    if (keys.isEmpty()) {
      throw new KeyringFormatException("keyring holds no keys");
    }
    if (active == null || !keys.containsKey(active)) {
      throw new KeyringFormatException("keyring 'active' must name one of its keys");
    }
    return new Keyring(keys, active);
  }

  private static String text(JsonParser p, JsonToken token, String field) throws IOException, KeyringFormatException {
    if (token != JsonToken.VALUE_STRING) {
      throw new KeyringFormatException("'" + field + "' must be a string");
    }
    return p.getText();
  }

  private static String printable(String s) {
    String cut = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The keyring file contents, including the raw keys. */
  public byte[] toJson(InsecureSecretAccess access) {
    if (access == null) {
      throw new NullPointerException("access");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeStringField("active", activeKid);
      g.writeObjectFieldStart("keys");
      for (Map.Entry<String, byte[]> e : keys.entrySet()) {
        g.writeStringField(e.getKey(), Base64Url.encode(e.getValue()));
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return "Keyring[active=" + activeKid + ", kids=" + keys.keySet() + ", fingerprint=" + fingerprint + "]";
  }
}
