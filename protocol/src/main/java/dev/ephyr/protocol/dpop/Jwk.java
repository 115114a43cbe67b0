package dev.ephyr.protocol.dpop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/** RFC 7638 JWK thumbprints of Ed25519 public keys, the names by which holder keys are bound to tasks. */
public final class Jwk {
  /** Length of a thumbprint in base64url characters (SHA-256, no padding). */
  public static final int THUMBPRINT_LENGTH = 43;

  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. RFC 8037 §2 makes
  // them crv, kty and x for OKP keys.
  private static final byte[] PREFIX = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SUFFIX = "\"}".getBytes(StandardCharsets.US_ASCII);

  private Jwk() {}

  /**
   * The thumbprint of the Ed25519 public key {@code raw32} (its 32-byte RFC 8032 encoding).
   *
   * @throws IllegalArgumentException if {@code raw32} is not 32 bytes long
   */
  public static String thumbprintOfEd25519(byte[] raw32) {
    Objects.requireNonNull(raw32, "raw32");
    if (raw32.length != HolderPublicKey.LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
    }
    return B64.encode(thumbprintBytes(new Sha256().fresh(), B64.encode(raw32)));
  }

  /** SHA-256 over the canonical JWK of {@code x} (an already validated base64url value). */
  static byte[] thumbprintBytes(MessageDigest sha256, String x) {
    sha256.update(PREFIX);
    int n = x.length();
    for (int i = 0; i < n; i++) {
      sha256.update((byte) x.charAt(i)); // x is base64url, hence ASCII
    }
    sha256.update(SUFFIX);
    return sha256.digest();
  }

  /** The public JWK of {@code x} as compact JSON, members in RFC 7638 order. */
  static String publicJwkJson(String x) {
    return "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}";
  }
}
