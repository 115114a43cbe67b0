package dev.ephyr.broker.boot;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.config.DpopSettings;
import dev.ephyr.broker.policy.PolicyStore;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.dpop.DpopNonces;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.verify.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;

/**
 * The node's token verifier (keyring, the cluster's watermarks and replay cache, DPoP with server nonces when
 * the settings ask for them) and the authenticator over it and the live policy.
 *
 * @param verifier verifies task tokens and their proofs
 * @param authenticator turns a request's credential into a caller
 */
record Verification(TokenVerifier verifier, Authenticator authenticator) {

  static Verification create(Keyring keyring, ClusterNode cluster, PolicyStore policy, DpopSettings settings,
      Clock clock) {
    DpopVerifier.Builder dpop = DpopVerifier.builder().clock(clock).iatWindow(settings.iatWindow());
    DpopNonces nonces = null;
    if (settings.requireNonce()) {
      // The nonce key is derived from the keyring, so every node issues and accepts the same nonces.
      byte[] secret = keyring.rootKey(keyring.activeKid(), "ephyr-dpop-nonce/1".getBytes(StandardCharsets.US_ASCII))
          .toBytes(InsecureSecretAccess.get());
      nonces = DpopNonces.create(secret, clock, settings.nonceBucket());
      Arrays.fill(secret, (byte) 0);
      dpop.nonces(nonces);
    }
    TokenVerifier verifier = TokenVerifier.builder(keyring).watermarks(cluster.watermarks())
        .replay(cluster.replay()).dpop(dpop.build()).clock(clock).build();
    DpopNonces issuer = nonces;
    return new Verification(verifier, new Authenticator(policy::current, verifier, issuer == null ? null : issuer::issue));
  }
}
