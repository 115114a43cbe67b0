package dev.ephyr.protocol.dpop;

import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Ed25519 public key of a holder, decoded and validated once; named by its RFC 7638 JWK thumbprint. */
public final class HolderPublicKey {
  /** Length of an encoded Ed25519 public key in bytes. */
  public static final int LENGTH = Ed25519.PUBLIC_KEY_SIZE;

  private final byte[] raw;
  private final String x;
  private final String jkt;
  private final Ed25519.PublicPoint point;

  private HolderPublicKey(byte[] raw, String x, String jkt, Ed25519.PublicPoint point) {
    this.raw = raw;
    this.x = x;
    this.jkt = jkt;
    this.point = point;
  }

  /**
   * Wraps the 32-byte RFC 8032 encoding of a public key.
   *
   * @throws IllegalArgumentException if it is not 32 bytes, not canonical, not on the curve, or of small
   *     order (a small-order key would let a forger produce signatures that verify for many messages)
   */
  public static HolderPublicKey fromRaw(byte[] raw32) {
    Objects.requireNonNull(raw32, "raw32");
    if (raw32.length != LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
    }
    byte[] raw = raw32.clone();
    HolderPublicKey key = decodeOrNull(raw, B64.encode(raw));
    if (key == null) {
      throw new IllegalArgumentException("not a valid Ed25519 public key");
    }
    return key;
  }

  /**
   * Wraps the {@code x} member of an OKP/Ed25519 JWK (base64url, no padding).
   *
   * @throws IllegalArgumentException if {@code x} is not canonical base64url of a valid public key
   */
  public static HolderPublicKey fromJwkX(String x) {
    Objects.requireNonNull(x, "x");
    byte[] raw = x.length() == B64.encodedLength(LENGTH) ? B64.decode(x) : null;
    if (raw == null) {
      throw new IllegalArgumentException("x must be 43 characters of base64url");
    }
    HolderPublicKey key = decodeOrNull(raw, x);
    if (key == null) {
      throw new IllegalArgumentException("not a valid Ed25519 public key");
    }
    return key;
  }

  /** Validates and decodes; {@code null} when the point is unusable. The verifier uses this for cache misses. */
  static HolderPublicKey decodeOrNull(byte[] raw32, String x) {
    return decodeOrNull(raw32, x, B64.encode(Jwk.thumbprintBytes(new Sha256().fresh(), x)));
  }

  /** As {@link #decodeOrNull(byte[], String)} with the thumbprint already computed by the caller. */
  static HolderPublicKey decodeOrNull(byte[] raw32, String x, String jkt) {
    // Full validation: canonical y, on the curve, not of small order, in the prime-order subgroup. Done
    // once per key; verification then uses the decoded point and never decodes it again.
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(raw32, 0);
    if (point == null) {
      return null;
    }
    return new HolderPublicKey(raw32, x, jkt, point);
  }

  /** The RFC 7638 thumbprint (base64url SHA-256), the key's name in tokens and audit. */
  public String jkt() {
    return jkt;
  }

  /** The JWK {@code x} member: base64url of the 32-byte encoding. */
  public String x() {
    return x;
  }

  /** A copy of the 32-byte RFC 8032 encoding (public, not secret). */
  public byte[] toRaw() {
    return raw.clone();
  }

  /** The public JWK as compact JSON: {@code {"crv":"Ed25519","kty":"OKP","x":"…"}}. */
  public String toJwkJson() {
    return Jwk.publicJwkJson(x);
  }

  Ed25519.PublicPoint point() {
    return point;
  }

  byte[] rawUnsafe() {
    return raw;
  }

  /** Public keys are equal when their encodings are equal (nothing here is secret). */
  @Override
  public boolean equals(Object o) {
    return o instanceof HolderPublicKey && ((HolderPublicKey) o).x.equals(x);
  }

  @Override
  public int hashCode() {
    return x.hashCode();
  }

  @Override
  public String toString() {
    return "HolderPublicKey[jkt=" + jkt + "]";
  }
}
