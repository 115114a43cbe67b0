package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.InsecureSecretAccess;
import java.security.MessageDigest;

/**
 * The secret a macaroon tree is rooted in (libmacaroons' "key"), never printed. Ephyr derives 32-byte
 * root keys; other libraries accept any length, so 32 to 1024 bytes are accepted (shorter keys are
 * refused, as too weak).
 */
public final class RootKey {
  /** Length of the root keys Ephyr derives, and the shortest accepted. */
  public static final int LENGTH = 32;
  /** Longest accepted root key. */
  public static final int MAX_LENGTH = 1024;

  private final byte[] bytes;

  private RootKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps a copy of {@code bytes}, which must be 32 to 1024 bytes long. */
  public static RootKey of(byte[] bytes) {
    if (bytes == null || bytes.length < LENGTH || bytes.length > MAX_LENGTH) {
      throw new IllegalArgumentException("a root key must be " + LENGTH + " to " + MAX_LENGTH + " bytes");
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
