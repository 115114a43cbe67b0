package dev.ephyr.protocol.keys;

import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.internal.ConstantTime;
import dev.ephyr.protocol.internal.HmacSha256;

/**
 * The key that tags broker facts: {@code HMAC(masterKey[kid], "ephyr/hop")}. A tag is the first 16 bytes
 * of {@code HMAC(hopKey, sigBefore || body)}: it binds a fact's text to the running signature just before
 * it, so a fact cannot be forged, moved to another position or copied into another token.
 */
public final class HopKey {
  /** Bytes of a tag before encoding. */
  public static final int TAG_BYTES = 16;
  /** Characters of an encoded tag. */
  public static final int TAG_CHARS = 22;

  private final byte[] key;

  HopKey(byte[] key) {
    this.key = key;
  }

  /** The encoded tag of {@code body} at the position whose running signature is {@code sigBefore}. */
  public String tag(byte[] sigBefore, byte[] body) {
    byte[] out = new byte[HmacSha256.LENGTH];
    new HmacSha256().init(key).update(sigBefore, 0, HmacSha256.LENGTH).update(body, 0, body.length).doFinal(out, 0);
    return Base64Url.encode(out, 0, TAG_BYTES);
  }

  /**
   * Whether {@code tag} is the tag of {@code body[off, off+len)} after the running signature
   * {@code sigs[sigOff, sigOff+32)}; compared in constant time. {@code mac} and {@code scratch32} are
   * caller-owned scratch space.
   */
  public boolean verify(HmacSha256 mac, byte[] sigs, int sigOff, byte[] body, int off, int len, String tag,
      byte[] scratch32) {
    byte[] given = Base64Url.decode(tag);
    if (given == null || given.length != TAG_BYTES) {
      return false;
    }
    mac.init(key).update(sigs, sigOff, HmacSha256.LENGTH).update(body, off, len).doFinal(scratch32, 0);
    return ConstantTime.equals(scratch32, 0, given, 0, TAG_BYTES);
  }

  @Override
  public String toString() {
    return "HopKey[redacted]";
  }
}
