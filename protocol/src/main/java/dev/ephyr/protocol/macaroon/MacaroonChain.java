package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.internal.HmacSha256;
import java.nio.charset.StandardCharsets;

/**
 * The libmacaroons signature chain: {@code k = HMAC("macaroons-key-generator", rootKey)},
 * {@code sig0 = HMAC(k, identifier)}, {@code sig_i = HMAC(sig_{i-1}, caveat_i)}.
 */
public final class MacaroonChain {
  private static final byte[] KEY_GENERATOR = "macaroons-key-generator".getBytes(StandardCharsets.US_ASCII);

  private MacaroonChain() {}

  /** The signature of a macaroon with this identifier and no caveats. */
  public static byte[] rootSignature(RootKey key, byte[] identifier) {
    HmacSha256 mac = new HmacSha256();
    byte[] derived = mac.init(KEY_GENERATOR).update(key.bytes()).doFinal();
    return mac.init(derived).update(identifier).doFinal();
  }

  /** {@code HMAC(signature, caveat)}: the signature after appending a first-party caveat. */
  public static byte[] append(byte[] signature, byte[] caveat) {
    return new HmacSha256().init(signature).update(caveat).doFinal();
  }

  /** In-place chain step for hot paths: {@code sig := HMAC(sig, data[off, off+len))}. */
  public static void step(HmacSha256 mac, byte[] sig, byte[] data, int off, int len) {
    mac.init(sig, 0, HmacSha256.LENGTH).update(data, off, len).doFinal(sig, 0);
  }
}
