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
   * Whether the broker fact {@code b[off, off+bodyLength+2+TAG_CHARS)} — its body, {@code " #"} and its
   * tag, as {@link dev.ephyr.protocol.caveat.CaveatParser} found them — carries the tag of its body after
   * the running signature {@code sigs[sigOff, sigOff+32)}; compared in constant time. The tag is decoded
   * straight from the token's bytes. {@code mac} and {@code scratch32} are caller-owned scratch space.
   */
  public boolean verify(HmacSha256 mac, byte[] sigs, int sigOff, byte[] b, int off, int bodyLength,
      byte[] scratch32) {
    int tagFrom = off + bodyLength + 2;
    mac.init(key).update(sigs, sigOff, HmacSha256.LENGTH).update(b, off, bodyLength).doFinal(scratch32, 0);
    // Only the first TAG_BYTES of the MAC are compared, so the given tag is decoded over the rest.
    if (!Base64Url.decodeUrlInto(b, tagFrom, tagFrom + TAG_CHARS, scratch32, TAG_BYTES)) {
      return false;
    }
    return ConstantTime.equals(scratch32, 0, scratch32, TAG_BYTES, TAG_BYTES);
  }

  @Override
  public String toString() {
    return "HopKey[redacted]";
  }
}
