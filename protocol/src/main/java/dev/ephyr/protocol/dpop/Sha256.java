package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.internal.HmacSha256;
import java.security.MessageDigest;

/**
 * Hands out fresh SHA-256 digests by cloning a pristine prototype: a clone copies a few dozen bytes of
 * state, whereas {@code MessageDigest.getInstance} walks the provider list on every call. The prototype
 * is never updated, so concurrent clones only read it and one instance can serve every thread.
 */
final class Sha256 {
  static final int LENGTH = 32;

  private final MessageDigest prototype;
  private final boolean cloneable;

  Sha256() {
    this(HmacSha256.newSha256());
  }

  /** Uses {@code prototype} (already fed with a constant prefix, or pristine) as the starting state. */
  Sha256(MessageDigest prototype) {
    this.prototype = prototype;
    boolean ok;
    try {
      prototype.clone();
      ok = true;
    } catch (CloneNotSupportedException e) {
      ok = false; // some providers cannot clone; fall back to fresh instances (only for pristine prototypes)
    }
    this.cloneable = ok;
  }

  boolean cloneable() {
    return cloneable;
  }

  MessageDigest fresh() {
    if (cloneable) {
      try {
        return (MessageDigest) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // checked in the constructor; fall through
      }
    }
    return HmacSha256.newSha256();
  }

  byte[] hash(byte[] data) {
    return fresh().digest(data);
  }
}
