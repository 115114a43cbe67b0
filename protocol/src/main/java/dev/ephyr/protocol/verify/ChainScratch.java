package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.internal.HmacSha256;
import dev.ephyr.protocol.macaroon.MacaroonLayout;
import dev.ephyr.protocol.macaroon.MacaroonV2;

/** Per-thread scratch space for the static checks, so the cold path allocates little. */
final class ChainScratch {
  static final int SIG = HmacSha256.LENGTH;

  final MacaroonLayout layout = new MacaroonLayout();
  final HmacSha256 mac = new HmacSha256();
  /** {@code sigs[i]} is the running signature before caveat {@code i}; {@code sigs[n]} the final one. */
  final byte[] sigs = new byte[(MacaroonV2.MAX_CAVEATS + 1) * SIG];
  final byte[] tmp = new byte[SIG];
}
