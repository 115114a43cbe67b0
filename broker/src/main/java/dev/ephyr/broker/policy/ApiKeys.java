package dev.ephyr.broker.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Agent API keys: 256 random bits, shown once, stored only as a SHA-256 hash in the policy.
 *
 * <p>A fast hash is right here: the key has full entropy, so there is nothing to brute-force, and a slow
 * hash (the original's bcrypt per request) only burns CPU on every call.
 */
public final class ApiKeys {

  /** Prefix of every key, so a leaked key is recognisable by secret scanners. */
  public static final String KEY_PREFIX = "ek_";
  /** Prefix of every stored hash. */
  public static final String HASH_PREFIX = "sha256:";

  private static final int KEY_BYTES = 32;
  private static final int KEY_CHARS = KEY_PREFIX.length() + 43; // 32 bytes in unpadded base64url
  private static final int HASH_CHARS = HASH_PREFIX.length() + 64;

  private ApiKeys() {}

  /** A new key: {@code ek_} and 32 random bytes in unpadded base64url. */
  public static String generate(SecureRandom rnd) {
    byte[] raw = new byte[KEY_BYTES];
    rnd.nextBytes(raw);
    return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** The stored form of a key: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8 text. */
  public static String hash(String apiKey) {
    return HASH_PREFIX + HexFormat.of().formatHex(sha256(apiKey));
  }

  /** Whether {@code s} has the shape of a key this class generates (not whether it is known). */
  public static boolean isWellFormedKey(String s) {
    if (s == null || s.length() != KEY_CHARS || !s.startsWith(KEY_PREFIX)) {
      return false;
    }
    for (int i = KEY_PREFIX.length(); i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is a stored hash: {@code sha256:} and 64 lowercase hex digits. */
  public static boolean isWellFormedHash(String s) {
    if (s == null || s.length() != HASH_CHARS || !s.startsWith(HASH_PREFIX)) {
      return false;
    }
    for (int i = HASH_PREFIX.length(); i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** Constant-time comparison of two stored hashes. */
  static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
