package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.InsecureSecretAccess;
import java.security.MessageDigest;

/** The secret a macaroon tree is rooted in (libmacaroons' "key"); 32 bytes, never printed. */
public final class RootKey {
  /** Length of a root key in bytes. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  private RootKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps a copy of {@code bytes}, which must be 32 bytes long. */
  public static RootKey of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException("a root key must be " + LENGTH + " bytes");
    }
    return new RootKey(bytes.clone());
  }

  /** The raw key, for handing to another macaroon library (tests, interop tools). */
  public byte[] toBytes(InsecureSecretAccess access) {
    if (access == null) {
      throw new NullPointerException("access");
    }
    return bytes.clone();
  }

  byte[] bytes() {
    return bytes;
  }

  /** Constant-time comparison. */
  public boolean sameAs(RootKey other) {
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public String toString() {
    return "RootKey[redacted]";
  }
}
