package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.internal.Base64Url;

/**
 * Strict base64url for JOSE: the URL alphabet only, no padding, no whitespace, and zero unused bits, so
 * every byte string has exactly one accepted spelling (RFC 7515 §2): {@link Base64Url}'s JOSE mode.
 */
final class B64 {
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
    return Base64Url.decodeJose(src, from, to);
  }

  /** Decodes a whole string; {@code null} when not canonical base64url. */
  static byte[] decode(String text) {
    return Base64Url.decodeJose(text);
  }
}
