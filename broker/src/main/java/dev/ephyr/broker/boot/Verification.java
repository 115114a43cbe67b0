package dev.ephyr.broker.boot;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.config.DpopSettings;
import dev.ephyr.broker.policy.PolicyStore;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.dpop.DpopNonces;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.DpopRequest;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.verify.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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
    warmProofs();
    return new Verification(verifier, new Authenticator(policy::current, verifier, issuer == null ? null : issuer::issue));
  }

  /**
   * Signs and checks one proof with a throw-away key and verifier, on the node-building thread: the first Ed25519
   * verification loads BouncyCastle's classes from a signed jar, which blocked the event loop of the first
   * {@code task_bind} for 180–400 ms on a busy machine. Nothing is cached or spent: the node's verifier is not used.
   */
  private static void warmProofs() {
    String url = "https://warm-up.invalid/mcp";
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    String proof = DpopProofBuilder.forKey(HolderKeyPair.generate(new SecureRandom())).method("POST").url(url)
        .accessToken("warm-up").body(body).build();
    DpopVerifier.builder().build().verifyBinding(proof, DpopRequest.forBinding("POST", url, "warm-up", body));
  }
}
