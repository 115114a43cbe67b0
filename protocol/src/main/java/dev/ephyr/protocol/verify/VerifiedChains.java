package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.internal.BoundedCache;
import java.util.Arrays;
import java.util.List;

/**
 * Remembers tokens whose static checks passed — signature, fact tags, caveat grammar, lineage
 * structure — so an agent that sends the same token again skips the HMAC chain. Those checks depend
 * only on the token's bytes and the (immutable) keyring, so a hit is exactly as good as recomputing.
 * Everything that can change — expiry, watermarks, quorum, proofs, bind deadlines — is still checked on
 * every request.
 *
 * <p>Entries are keyed by the token's signature and confirmed by comparing the whole token, so a token
 * that merely reuses a signature never hits. Bounded in size and age by {@link BoundedCache}'s rule; a
 * client flooding it with fresh attenuations gains nothing but cold lookups.
 */
final class VerifiedChains {
  /** The static facts of one verified token. */
  record Chain(byte[] bytes, TokenIdentifier identifier, List<TaskHop> lineage, Envelope envelope) {}

  // Only static facts are kept, so the age bound is about memory, not correctness.
  private static final long MAX_AGE_MILLIS = 10 * 60 * 1000L;

  private final BoundedCache<SignatureKey, Chain> chains;

  VerifiedChains(int capacity) {
    this.chains = BoundedCache.create(capacity, MAX_AGE_MILLIS);
  }

  Chain get(byte[] token) {
    if (chains.capacity() == 0 || token.length < 32) {
      return null;
    }
    Chain c = chains.get(new SignatureKey(token));
    return c != null && Arrays.equals(c.bytes, token) ? c : null;
  }

  void put(Chain chain) {
    chains.put(new SignatureKey(chain.bytes), chain);
  }

  /** The last 32 bytes of a V2 token are its signature; HMAC output, so its first bytes hash well. */
  private static final class SignatureKey implements Comparable<SignatureKey> {
    private final byte[] token;
    private final int hash;

    SignatureKey(byte[] token) {
      this.token = token;
      int o = token.length - 32;
      this.hash = (token[o] & 0xff) << 24 | (token[o + 1] & 0xff) << 16 | (token[o + 2] & 0xff) << 8
          | (token[o + 3] & 0xff);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SignatureKey k && Arrays.equals(token, token.length - 32, token.length,
          k.token, k.token.length - 32, k.token.length);
    }

    @Override
    public int compareTo(SignatureKey k) {
      return Arrays.compare(token, token.length - 32, token.length, k.token, k.token.length - 32, k.token.length);
    }
  }
}
