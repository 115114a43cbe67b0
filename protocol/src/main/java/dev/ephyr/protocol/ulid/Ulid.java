package dev.ephyr.protocol.ulid;

/**
 * ULID text helpers: 26 characters of Crockford base32 (upper case), 48 bits of milliseconds then 80
 * bits of randomness. Task ids are kept as their canonical text.
 */
public final class Ulid {
  /** Length of the text form. */
  public static final int LENGTH = 26;
  static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final byte[] VALUE = new byte[128];

  static {
    java.util.Arrays.fill(VALUE, (byte) -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      VALUE[ALPHABET[i]] = (byte) i;
    }
  }

  private Ulid() {}

  /** Whether {@code s[from, from+26)} is a canonical ULID (upper case, first character at most 7). */
  public static boolean isValid(CharSequence s, int from) {
    if (s.length() - from < LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = s.charAt(from + i);
      if (c >= 128 || VALUE[c] < 0) {
        return false;
      }
    }
    return s.charAt(from) <= '7'; // 26 chars carry 130 bits; the top two must be zero
  }

  /** Whether {@code b[from, from+26)} is a canonical ULID in ASCII. */
  public static boolean isValid(byte[] b, int from) {
    if (b.length - from < LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      int c = b[from + i];
      if (c < 0 || VALUE[c] < 0) {
        return false;
      }
    }
    return b[from] <= '7';
  }

  /** Whether {@code s} is exactly a canonical ULID. */
  public static boolean isValid(CharSequence s) {
    return s != null && s.length() == LENGTH && isValid(s, 0);
  }

  /** Milliseconds since the epoch encoded in a valid ULID. */
  public static long timestamp(CharSequence ulid) {
    long t = 0;
    for (int i = 0; i < 10; i++) {
      t = (t << 5) | VALUE[ulid.charAt(i)];
    }
    return t;
  }
}
