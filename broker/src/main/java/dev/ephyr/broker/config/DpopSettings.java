package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * DPoP proof checking ({@code dpop.*}).
 *
 * @param iatWindow accepted skew of a proof's {@code iat}
 * @param requireNonce whether proofs must carry a server nonce
 * @param nonceBucket lifetime bucket of the server nonces
 */
public record DpopSettings(Duration iatWindow, boolean requireNonce, Duration nonceBucket) {

  static DpopSettings read(Values v) {
    return new DpopSettings(v.duration(Settings.DPOP_IAT_WINDOW), v.bool(Settings.DPOP_REQUIRE_NONCE),
        v.duration(Settings.DPOP_NONCE_BUCKET));
  }
}
