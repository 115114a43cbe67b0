package dev.ephyr.client;

import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Signs one RFC 9449 DPoP proof per request with the holder's key: {@code htm}, {@code htu} of the node the
 * request goes to, {@code ath} of the exact token text, {@code bh} of the body, a fresh {@code jti}, and the
 * node's last nonce when it asked for one. Thread-safe.
 */
public final class ProofSigner {
  private final HolderKeyPair key;
  private final SecureRandom random;

  /** Signs with {@code key}, drawing proof ids from {@code random}. */
  public ProofSigner(HolderKeyPair key, SecureRandom random) {
    this.key = Objects.requireNonNull(key, "key");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The RFC 7638 thumbprint of the signing key: the {@code holder} a bound task names. */
  public String jkt() {
    return key.jkt();
  }

  /**
   * A proof for one request.
   *
   * @param body the exact body bytes, or {@code null} for none
   * @param nonce the node's {@code DPoP-Nonce}, or {@code null}
   */
  public String sign(String method, String url, String token, byte[] body, String nonce) {
    return DpopProofBuilder.forKey(key).random(random).method(method).url(url).accessToken(token)
        .body(body == null || body.length == 0 ? null : body).nonce(nonce).build();
  }

  @Override
  public String toString() {
    return "ProofSigner[jkt=" + key.jkt() + "]";
  }
}
