package dev.ephyr.protocol.verify;

import static dev.ephyr.protocol.verify.ChainScratch.SIG;

import dev.ephyr.protocol.internal.BoundedCache;
import dev.ephyr.protocol.internal.ConstantTime;
import dev.ephyr.protocol.internal.HmacSha256;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.MacaroonChain;
import dev.ephyr.protocol.macaroon.MacaroonLayout;
import java.util.Arrays;

/**
 * The HMAC step of verification: derive the tree's root signature from the keyring, replay the chain over
 * every caveat, and compare the result with the token's signature in constant time. Leaves every running
 * signature in the scratch space, because broker facts are checked against the signature at their position.
 */
final class ChainReplay {
  private static final int ROOT_SIGNATURE_CACHE_LIMIT = 65_536;
  // The keyring is immutable, so a root signature never goes stale; the age bound only limits memory.
  private static final long ROOT_SIGNATURE_MAX_AGE_MILLIS = 60 * 60 * 1000L;

  private final Keyring keyring;
  // identifier -> signature of the bare root macaroon; saves three HMACs per verification. Values are
  // never mutated. Keyed by the parsed identifier (its two parts), which names the same tree as its text.
  private final BoundedCache<TokenIdentifier, byte[]> rootSignatures =
      BoundedCache.create(ROOT_SIGNATURE_CACHE_LIMIT, ROOT_SIGNATURE_MAX_AGE_MILLIS);

  ChainReplay(Keyring keyring) {
    this.keyring = keyring;
  }

  /** True when the replayed chain ends in the token's signature; {@code s.sigs} then holds every step. */
  boolean matches(byte[] bytes, TokenIdentifier id, ChainScratch s) {
    MacaroonLayout layout = s.layout;
    int n = layout.caveatCount();
    byte[] sigs = s.sigs;
    System.arraycopy(rootSignature(id, bytes, layout), 0, sigs, 0, SIG);
    HmacSha256 mac = s.mac;
    for (int i = 0; i < n; i++) {
      mac.init(sigs, i * SIG, SIG).update(bytes, layout.caveatOffset(i), layout.caveatLength(i))
          .doFinal(sigs, (i + 1) * SIG);
    }
    return ConstantTime.equals(sigs, n * SIG, bytes, layout.signatureOffset(), SIG);
  }

  private byte[] rootSignature(TokenIdentifier id, byte[] bytes, MacaroonLayout layout) {
    byte[] sig = rootSignatures.get(id);
    if (sig == null) {
      byte[] identifier = Arrays.copyOfRange(bytes, layout.identifierOffset(),
          layout.identifierOffset() + layout.identifierLength());
      sig = MacaroonChain.rootSignature(keyring.rootKey(id.kid(), identifier), identifier);
      rootSignatures.put(id, sig);
    }
    return sig;
  }
}
