package dev.ephyr.protocol.verify;

import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * Single-use enforcement for proof ids ({@code jti}). The cluster module implements it with a replicated
 * map so that a proof used on one node is refused on every other node.
 */
public interface ReplayCheck {

  /**
   * Records {@code key} as used until {@code keepUntil}, atomically.
   *
   * @param key an opaque key, unique per holder key and proof id
   * @param keepUntil when the record may be forgotten (after the proof can no longer be accepted)
   * @return a stage completing with {@code true} when the key was unused and is now recorded, {@code
   *     false} when it was used before; it completes exceptionally when the store cannot answer (the
   *     verifier then refuses the request)
   */
  CompletionStage<Boolean> firstUse(String key, Instant keepUntil);
}
