package dev.ephyr.protocol.internal;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 over a reusable pair of digests, for keys of at most 64 bytes. The macaroon chain re-keys
 * on every step, which {@code javax.crypto.Mac} makes expensive (a key object and provider dispatch per
 * step); this keeps one step at four or five SHA-256 compressions and no allocation.
 *
 * <p>Not thread-safe: use one instance per thread.
 */
public final class HmacSha256 {
  /** Output length in bytes. */
  public static final int LENGTH = 32;

  private static final int BLOCK = 64;
  private final MessageDigest inner = newSha256();
  private final MessageDigest outer = newSha256();
  private final byte[] ipad = new byte[BLOCK];
  private final byte[] opad = new byte[BLOCK];
  private final byte[] innerHash = new byte[LENGTH];
  // ipad[padFrom..] and opad[padFrom..] hold the constant pad bytes.
  private int padFrom = BLOCK;

  /** Sets the key for the next {@link #update}/{@link #doFinal} sequence. */
  public HmacSha256 init(byte[] key, int off, int len) {
    if (len > BLOCK) {
      throw new IllegalArgumentException("HMAC keys longer than 64 bytes are not used here");
    }
    for (int i = 0; i < len; i++) {
      byte k = key[off + i];
      ipad[i] = (byte) (k ^ 0x36);
      opad[i] = (byte) (k ^ 0x5c);
    }
    // The pads beyond the key are constant; only what a longer previous key overwrote needs restoring
    // (a chain re-keys with 32 bytes at every step).
    for (int i = len; i < padFrom; i++) {
      ipad[i] = 0x36;
      opad[i] = 0x5c;
    }
    padFrom = len;
    inner.reset();
    inner.update(ipad, 0, BLOCK);
    return this;
  }

  /** Sets the key. */
  public HmacSha256 init(byte[] key) {
    return init(key, 0, key.length);
  }

  /** Adds message bytes. */
  public HmacSha256 update(byte[] data, int off, int len) {
    inner.update(data, off, len);
    return this;
  }

  /** Adds message bytes. */
  public HmacSha256 update(byte[] data) {
    inner.update(data, 0, data.length);
    return this;
  }

  /** Writes the 32-byte MAC to {@code out[outOff..]}; the instance must be re-keyed before reuse. */
  public void doFinal(byte[] out, int outOff) {
    try {
      inner.digest(innerHash, 0, LENGTH);
      outer.reset();
      outer.update(opad, 0, BLOCK);
      outer.update(innerHash, 0, LENGTH);
      outer.digest(out, outOff, LENGTH);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 output buffer", e);
    }
  }

  /** Returns the 32-byte MAC as a new array. */
  public byte[] doFinal() {
    byte[] out = new byte[LENGTH];
    doFinal(out, 0);
    return out;
  }

  /** One-shot convenience for cold paths. */
  public static byte[] mac(byte[] key, byte[] message) {
    return new HmacSha256().init(key).update(message).doFinal();
  }

  /** A fresh SHA-256 digest; every JDK has one. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
