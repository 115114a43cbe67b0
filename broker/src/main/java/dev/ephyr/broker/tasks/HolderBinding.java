package dev.ephyr.broker.tasks;

import java.time.Duration;
import java.time.Instant;

/**
 * How a new task is bound to a holder key: now ({@code holderJkt}), later within a deadline ({@code bindBy},
 * unix seconds), or not at all (both null).
 */
record HolderBinding(String holderJkt, Long bindBy) {
  /** Reads {@code holder_jkt} / {@code bind_within}; a bind window is bounded by {@code maxWindow}. */
  static HolderBinding read(Args a, Instant now, Duration maxWindow) {
    String holder = a.string("holder_jkt", 64);
    Integer within = a.integer("bind_within", 1, (int) maxWindow.getSeconds());
    if (holder != null && within != null) {
      throw new Args.Bad("give either holder_jkt (bind now) or bind_within (two-phase bind), not both");
    }
    if (holder != null && (holder.length() != 43 || !holder.matches("[A-Za-z0-9_-]+"))) {
      throw new Args.Bad("holder_jkt must be a 43-character base64url RFC 7638 JWK thumbprint");
    }
    return new HolderBinding(holder, within == null ? null : now.getEpochSecond() + within);
  }

  /** The bind deadline as an instant, or {@code null}. */
  Instant bindByInstant() {
    return bindBy == null ? null : Instant.ofEpochSecond(bindBy);
  }
}
