package dev.ephyr.protocol.dpop;

/**
 * Strict UTF-8 check (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. JOSE headers
 * and claims are UTF-8 JSON; checking up front means the JSON parser never guesses another encoding and
 * never sees a byte sequence two decoders could read differently.
 */
final class Utf8 {
  private Utf8() {}

  static boolean isValid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        i++;
        continue;
      }
      int need;
      int min;
      int cp;
      if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        min = 0x80;
        cp = c & 0x1f;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        min = 0x800;
        cp = c & 0x0f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        min = 0x10000;
        cp = c & 0x07;
      } else {
        return false; // continuation byte in lead position, C0/C1 overlong leads, F5..FF
      }
      if (i + need >= n) { // truncated sequence
        return false;
      }
      for (int k = 1; k <= need; k++) {
        int d = b[i + k] & 0xff;
        if ((d & 0xc0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (d & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i += need + 1;
    }
    return true;
  }
}
