package dev.ephyr.protocol.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strict base64 for tokens: encodes base64url without padding; decodes base64url or standard base64,
 * with or without padding, and refuses anything that would make two texts decode to the same bytes
 * (whitespace, misplaced padding, non-zero unused bits, mixed alphabets).
 */
public final class Base64Url {
  private static final char[] URL_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final int URL_FLAG = 1 << 6;
  private static final int STD_FLAG = 2 << 6;
  // Per byte value: the 6-bit value, plus the alphabet flag for the four characters that differ; -1 if invalid.
  private static final int[] TABLE = new int[256];
  // Texts at least this long try the JDK's decoder first (vectorized on current JVMs); shorter ones
  // are not worth the copy.
  private static final int BULK_CHARS = 128;
  private static final java.util.Base64.Decoder URL_DECODER = java.util.Base64.getUrlDecoder();

  static {
    Arrays.fill(TABLE, -1);
    for (int i = 0; i < 64; i++) {
      TABLE[URL_ALPHABET[i]] = i;
    }
    TABLE['-'] |= URL_FLAG;
    TABLE['_'] |= URL_FLAG;
    TABLE['+'] = 62 | STD_FLAG;
    TABLE['/'] = 63 | STD_FLAG;
  }

  private Base64Url() {}

  /** Base64url without padding. */
  public static String encode(byte[] data) {
    return encode(data, 0, data.length);
  }

  /** Base64url without padding of {@code data[off, off+len)}. */
  public static String encode(byte[] data, int off, int len) {
    byte[] out = new byte[(len * 4 + 2) / 3];
    int o = 0;
    int end = off + len;
    int i = off;
    while (end - i >= 3) {
      int v = (data[i] & 0xff) << 16 | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff);
      out[o++] = (byte) URL_ALPHABET[v >>> 18];
      out[o++] = (byte) URL_ALPHABET[(v >>> 12) & 63];
      out[o++] = (byte) URL_ALPHABET[(v >>> 6) & 63];
      out[o++] = (byte) URL_ALPHABET[v & 63];
      i += 3;
    }
    int rest = end - i;
    if (rest == 1) {
      int v = data[i] & 0xff;
      out[o++] = (byte) URL_ALPHABET[v >>> 2];
      out[o] = (byte) URL_ALPHABET[(v & 3) << 4];
    } else if (rest == 2) {
      int v = (data[i] & 0xff) << 8 | (data[i + 1] & 0xff);
      out[o++] = (byte) URL_ALPHABET[v >>> 10];
      out[o++] = (byte) URL_ALPHABET[(v >>> 4) & 63];
      out[o] = (byte) URL_ALPHABET[(v & 15) << 2];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /** Decodes a whole string; {@code null} when it is not canonical base64. */
  public static byte[] decode(CharSequence text) {
    return decode(text, 0, text.length());
  }

  /**
   * Decodes {@code text[from, to)}; returns {@code null} for anything that is not canonical base64 in one
   * of the two alphabets (callers turn that into their own rejection, so no exception is thrown).
   */
  public static byte[] decode(CharSequence text, int from, int to) {
    if (from < 0 || to > text.length() || from > to) {
      return null;
    }
    if (text instanceof String str) {
      // Latin-1 encoding of a compact string is one array copy; characters outside Latin-1 become '?'
      // and Latin-1 characters above 127 stay above 127: both are refused below. A surrogate pair
      // becomes a single '?' and would shift indices, so such text takes the per-character path.
      byte[] latin1 = str.getBytes(StandardCharsets.ISO_8859_1);
      if (latin1.length == str.length()) {
        return decode(latin1, from, to);
      }
    }
    byte[] ascii = new byte[to - from];
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      ascii[i - from] = c < 128 ? (byte) c : (byte) '?';
    }
    return decode(ascii, 0, ascii.length);
  }

  /** Decodes ASCII bytes {@code in[from, to)}; {@code null} when not canonical base64. */
  public static byte[] decode(byte[] in, int from, int to) {
    return decode(in, from, to, false);
  }

  /**
   * Decodes JOSE base64url ({@code in[from, to)}): the URL alphabet only and no padding (RFC 7515 §2),
   * canonical as above; {@code null} otherwise.
   */
  public static byte[] decodeJose(byte[] in, int from, int to) {
    return decode(in, from, to, true);
  }

  /** Decodes a whole JOSE base64url string; {@code null} when it is not canonical. */
  public static byte[] decodeJose(String text) {
    byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
    return latin1.length == text.length() ? decode(latin1, 0, latin1.length, true) : null;
  }

  /**
   * Decodes the unpadded base64url text {@code in[from, to)} into {@code out[outOff..]} without
   * allocating, with the same canonical rules (URL alphabet only, zero unused bits); {@code false}, with
   * {@code out} in an unspecified state, when it is not canonical. For fixed-size fields such as tags.
   */
  public static boolean decodeUrlInto(byte[] in, int from, int to, byte[] out, int outOff) {
    int n = to - from;
    if (from < 0 || to > in.length || n < 0 || n % 4 == 1 || outOff < 0 || outOff + n * 3 / 4 > out.length) {
      return false;
    }
    int flags = 0;
    int acc = 0;
    int bits = 0;
    int o = outOff;
    for (int i = from; i < to; i++) {
      int t = TABLE[in[i] & 0xff];
      flags |= t; // negative for an invalid character, STD_FLAG for the standard alphabet
      acc = acc << 6 | (t & 63);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (byte) (acc >>> bits);
      }
    }
    return flags >= 0 && (flags & STD_FLAG) == 0 && (acc & ((1 << bits) - 1)) == 0;
  }

  private static byte[] decode(byte[] in, int from, int to, boolean jose) {
    if (from < 0 || to > in.length || from > to) {
      return null;
    }
    int end = to;
    // Optional padding (not in JOSE): at most two '=' and only when it completes a 4-character group.
    int pad = 0;
    while (!jose && end > from && in[end - 1] == '=' && pad < 3) {
      end--;
      pad++;
    }
    int n = end - from;
    if (pad > 0 && (pad > 2 || (n + pad) % 4 != 0)) {
      return null;
    }
    if (n % 4 == 1) {
      return null;
    }
    if (n >= BULK_CHARS) {
      byte[] fast = bulk(in, from, end, n * 3 / 4);
      if (fast != null) {
        return fast;
      }
    }
    byte[] out = new byte[n * 3 / 4];
    int flags = 0;
    int o = 0;
    int i = from;
    int groupsEnd = from + (n & ~3);
    while (i < groupsEnd) {
      int t0 = TABLE[in[i] & 0xff];
      int t1 = TABLE[in[i + 1] & 0xff];
      int t2 = TABLE[in[i + 2] & 0xff];
      int t3 = TABLE[in[i + 3] & 0xff];
      int all = t0 | t1 | t2 | t3;
      if (all < 0) {
        return null;
      }
      flags |= all;
      int v = (t0 & 63) << 18 | (t1 & 63) << 12 | (t2 & 63) << 6 | (t3 & 63);
      out[o] = (byte) (v >>> 16);
      out[o + 1] = (byte) (v >>> 8);
      out[o + 2] = (byte) v;
      o += 3;
      i += 4;
    }
    int rest = end - i;
    if (rest > 0) {
      int acc = 0;
      for (int k = 0; k < rest; k++) {
        int t = TABLE[in[i + k] & 0xff];
        if (t < 0) {
          return null;
        }
        flags |= t;
        acc = acc << 6 | (t & 63);
      }
      if (rest == 2) {
        if ((acc & 0xf) != 0) {
          return null; // non-zero unused bits: a second spelling of the same bytes
        }
        out[o] = (byte) (acc >>> 4);
      } else {
        if ((acc & 0x3) != 0) {
          return null;
        }
        out[o] = (byte) (acc >>> 10);
        out[o + 1] = (byte) (acc >>> 2);
      }
    }
    if ((flags & (URL_FLAG | STD_FLAG)) == (URL_FLAG | STD_FLAG) || (jose && (flags & STD_FLAG) != 0)) {
      return null; // both alphabets in one text, or the standard alphabet where only base64url is allowed
    }
    return out;
  }

  /**
   * Decodes the unpadded text {@code in[from, end)} with the JDK's base64url decoder, which accepts
   * exactly the URL alphabet (so one alphabet, and never whitespace or padding here); the one rule it
   * does not enforce, zero unused bits in the last character, is checked here. Decodes the range in
   * place (no copy of the text). Returns {@code null} for anything it does not accept — the caller then
   * runs the strict loop, which decides (the standard alphabet, or a specific refusal).
   */
  private static byte[] bulk(byte[] in, int from, int end, int length) {
    int rest = (end - from) & 3;
    if (rest != 0) {
      int last = TABLE[in[end - 1] & 0xff];
      if (last < 0 || (last & (rest == 2 ? 0xf : 0x3)) != 0) {
        return null;
      }
    }
    try {
      ByteBuffer decoded = URL_DECODER.decode(ByteBuffer.wrap(in, from, end - from));
      byte[] out = decoded.array();
      return decoded.arrayOffset() == 0 && decoded.position() == 0 && decoded.limit() == length
          && out.length == length ? out : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
