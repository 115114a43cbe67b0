package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.InsecureSecretAccess;
import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Ed25519 key pair of a holder (agent side); the private seed is never printed and leaves only on request. */
public final class HolderKeyPair {
  /** Length of an Ed25519 private seed in bytes. */
  public static final int SEED_LENGTH = Ed25519.SECRET_KEY_SIZE;

  private final byte[] seed;
  private final HolderPublicKey publicKey;

  private HolderKeyPair(byte[] seed) {
    this.seed = seed;
    byte[] pk = new byte[HolderPublicKey.LENGTH];
    Ed25519.generatePublicKey(seed, 0, pk, 0);
    HolderPublicKey key = HolderPublicKey.decodeOrNull(pk, B64.encode(pk));
    if (key == null) {
      // Cannot happen for a key derived from a seed (it is a multiple of the base point).
      throw new IllegalStateException("derived Ed25519 public key failed validation");
    }
    this.publicKey = key;
  }

  /** A fresh key pair from {@code rnd}. */
  public static HolderKeyPair generate(SecureRandom rnd) {
    Objects.requireNonNull(rnd, "rnd");
    byte[] seed = new byte[SEED_LENGTH];
    Ed25519.generatePrivateKey(rnd, seed);
    return new HolderKeyPair(seed);
  }

  /**
   * The key pair of a stored 32-byte RFC 8032 private seed (the JWK {@code d} member, decoded).
   *
   * @throws IllegalArgumentException if {@code seed32} is not 32 bytes long
   */
  public static HolderKeyPair fromSeed(byte[] seed32) {
    Objects.requireNonNull(seed32, "seed32");
    if (seed32.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    return new HolderKeyPair(seed32.clone());
  }

  /** The public half. */
  public HolderPublicKey publicKey() {
    return publicKey;
  }

  /** The RFC 7638 thumbprint of the public half. */
  public String jkt() {
    return publicKey.jkt();
  }

  /**
   * A copy of the private seed, for writing to a key store; the capability argument makes every call site
   * that lets the secret out easy to find in review.
   */
  public byte[] seedForStorage(InsecureSecretAccess access) {
    Objects.requireNonNull(access, "access");
    return seed.clone();
  }

  /** Signs {@code msg[off, off+len)}; 64-byte RFC 8032 signature. */
  byte[] sign(byte[] msg, int off, int len) {
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicKey.rawUnsafe(), 0, msg, off, len, sig, 0);
    return sig;
  }

  @Override
  public String toString() {
    return "HolderKeyPair[jkt=" + publicKey.jkt() + ", seed=redacted]";
  }
}
