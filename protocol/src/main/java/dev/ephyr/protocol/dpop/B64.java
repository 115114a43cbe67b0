package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.internal.Base64Url;
import java.util.Arrays;

/**
 * Strict base64url for JOSE: the URL alphabet only, no padding, no whitespace, and zero unused bits, so
 * every byte string has exactly one accepted spelling (RFC 7515 §2). The shared {@link Base64Url}
 * decoder also accepts the standard alphabet and padding, which JOSE forbids, hence this one.
 */
final class B64 {
  private static final byte[] DECODE = new byte[128];

  static {
    Arrays.fill(DECODE, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; i++) {
      DECODE[alphabet.charAt(i)] = (byte) i;
    }
  }

  private B64() {}

  static String encode(byte[] data) {
    return Base64Url.encode(data);
  }

  /** Number of characters that encode {@code bytes} bytes without padding. */
  static int encodedLength(int bytes) {
    return (bytes * 4 + 2) / 3;
  }

  /** Decodes {@code src[from, to)} (ASCII bytes); {@code null} when not canonical base64url. */
  static byte[] decode(byte[] src, int from, int to) {
    int n = to - from;
    if (n % 4 == 1) {
      return null;
    }
    byte[] out = new byte[n * 3 / 4];
    int acc = 0;
    int bits = 0;
    int o = 0;
    for (int i = from; i < to; i++) {
      int c = src[i];
      if (c < 0) {
        return null;
      }
      int v = DECODE[c];
      if (v < 0) {
        return null;
      }
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (byte) (acc >>> bits);
        acc &= (1 << bits) - 1;
      }
    }
    return acc == 0 ? out : null; // non-zero unused bits would be a second spelling
  }

  /** Decodes a whole string; {@code null} when not canonical base64url. */
  static byte[] decode(String text) {
    int n = text.length();
    if (n % 4 == 1) {
      return null;
    }
    byte[] out = new byte[n * 3 / 4];
    int acc = 0;
    int bits = 0;
    int o = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c >= 128) {
        return null;
      }
      int v = DECODE[c];
      if (v < 0) {
        return null;
      }
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (byte) (acc >>> bits);
        acc &= (1 << bits) - 1;
      }
    }
    return acc == 0 ? out : null;
  }
}
