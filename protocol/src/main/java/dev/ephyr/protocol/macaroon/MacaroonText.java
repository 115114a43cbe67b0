package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.internal.Base64Url;

/**
 * The text form {@code mac_<base64>}. Input may use base64url or standard base64, padded or not (other
 * macaroon libraries emit all four); the output is always base64url without padding.
 */
public final class MacaroonText {
  /** Longest text accepted: the prefix plus padded base64 of {@link MacaroonV2#MAX_BYTES}. */
  public static final int MAX_CHARS = Macaroon.TEXT_PREFIX.length() + (MacaroonV2.MAX_BYTES + 2) / 3 * 4;

  private MacaroonText() {}

  /** Decodes the text form to V2 bytes. */
  public static byte[] decode(CharSequence text) throws MacaroonFormatException {
    if (text == null) {
      throw new MacaroonFormatException("no token");
    }
    int n = text.length();
    if (n > MAX_CHARS) {
      throw new MacaroonFormatException("token text is longer than " + MAX_CHARS + " characters");
    }
    if (n < Macaroon.TEXT_PREFIX.length() || !startsWithPrefix(text)) {
      throw new MacaroonFormatException("token does not start with " + Macaroon.TEXT_PREFIX);
    }
    byte[] bytes = Base64Url.decode(text, Macaroon.TEXT_PREFIX.length(), n);
    if (bytes == null) {
      throw new MacaroonFormatException("token is not valid base64");
    }
    return bytes;
  }

  /** Parses the text form. */
  public static Macaroon parse(CharSequence text) throws MacaroonFormatException {
    byte[] bytes = decode(text);
    return MacaroonV2.parse(bytes, 0, bytes.length);
  }

  /** The canonical spelling of a token text (base64url, no padding); use it for caches and digests. */
  public static String canonical(CharSequence text) throws MacaroonFormatException {
    byte[] bytes = decode(text);
    MacaroonV2.scan(bytes, 0, bytes.length, new MacaroonLayout());
    return Macaroon.TEXT_PREFIX + Base64Url.encode(bytes);
  }

  private static boolean startsWithPrefix(CharSequence text) {
    String p = Macaroon.TEXT_PREFIX;
    for (int i = 0; i < p.length(); i++) {
      if (text.charAt(i) != p.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
