package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.internal.HmacSha256;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Stateless DPoP server nonces (RFC 9449 §8): base64url of a time bucket and a truncated HMAC-SHA256 over
 * it, so every node holding the same secret issues and accepts the same nonces without sharing state. The
 * current and the previous bucket are accepted; the secret is never printed and never kept in raw form.
 */
public final class DpopNonces {
  /** Length of the shared secret in bytes. */
  public static final int SECRET_LENGTH = 32;
  /** Bucket length used by {@link #create(byte[], Clock)}: a nonce lives between one and two minutes. */
  public static final Duration DEFAULT_BUCKET = Duration.ofSeconds(60);
  /** Shortest accepted bucket. */
  public static final Duration MIN_BUCKET = Duration.ofSeconds(5);
  /** Longest accepted bucket. */
  public static final Duration MAX_BUCKET = Duration.ofHours(1);

  private static final int BUCKET_BYTES = 8;
  // 128 bits of tag: forging needs 2^128 tries, and the nonce stays short (32 characters).
  private static final int TAG_BYTES = 16;
  private static final int NONCE_BYTES = BUCKET_BYTES + TAG_BYTES;
  private static final int NONCE_CHARS = B64.encodedLength(NONCE_BYTES);
  // Domain separation: the same secret must never yield a valid tag for some other purpose.
  private static final byte[] LABEL = "ephyr/dpop-nonce/v1".getBytes(StandardCharsets.US_ASCII);
  private static final int BLOCK = 64;

  private final Clock clock;
  private final long bucketSeconds;
  // HMAC with its key schedule done once: the inner and outer digests already hold (key ^ ipad) and
  // (key ^ opad); each computation clones them, which is thread-safe because the prototypes never change.
  private final Sha256 inner;
  private final Sha256 outer;

  private DpopNonces(byte[] secret, Clock clock, long bucketSeconds) {
    this.clock = clock;
    this.bucketSeconds = bucketSeconds;
    byte[] ipad = new byte[BLOCK];
    byte[] opad = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      byte k = i < secret.length ? secret[i] : 0;
      ipad[i] = (byte) (k ^ 0x36);
      opad[i] = (byte) (k ^ 0x5c);
    }
    MessageDigest in = HmacSha256.newSha256();
    in.update(ipad);
    MessageDigest out = HmacSha256.newSha256();
    out.update(opad);
    this.inner = new Sha256(in);
    this.outer = new Sha256(out);
    if (!inner.cloneable() || !outer.cloneable()) {
      throw new IllegalStateException("the SHA-256 provider cannot clone digests");
    }
    Arrays.fill(ipad, (byte) 0);
    Arrays.fill(opad, (byte) 0);
  }

  /** Nonces with the {@linkplain #DEFAULT_BUCKET default bucket}. */
  public static DpopNonces create(byte[] secret32, Clock clock) {
    return create(secret32, clock, DEFAULT_BUCKET);
  }

  /**
   * Nonces over buckets of {@code bucket} (whole seconds, {@link #MIN_BUCKET} to {@link #MAX_BUCKET}); a
   * nonce is accepted for at least one and at most two buckets after it was issued.
   *
   * @param secret32 32 bytes shared by every node of the cluster; copied into the HMAC state, not kept
   */
  public static DpopNonces create(byte[] secret32, Clock clock, Duration bucket) {
    Objects.requireNonNull(secret32, "secret32");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(bucket, "bucket");
    if (secret32.length != SECRET_LENGTH) {
      throw new IllegalArgumentException("the nonce secret must be " + SECRET_LENGTH + " bytes");
    }
    if (bucket.compareTo(MIN_BUCKET) < 0 || bucket.compareTo(MAX_BUCKET) > 0 || bucket.getNano() != 0) {
      throw new IllegalArgumentException("the nonce bucket must be whole seconds between 5 s and 1 h");
    }
    return new DpopNonces(secret32, clock, bucket.getSeconds());
  }

  /** A nonce for the current bucket, to send in a {@code DPoP-Nonce} response header. */
  public String issue() {
    byte[] nonce = new byte[NONCE_BYTES];
    long bucket = currentBucket();
    putLong(nonce, 0, bucket);
    byte[] tag = tag(bucket);
    System.arraycopy(tag, 0, nonce, BUCKET_BYTES, TAG_BYTES);
    return B64.encode(nonce);
  }

  /** True when {@code nonce} was issued by a holder of the secret in the current or the previous bucket. */
  public boolean isCurrent(String nonce) {
    if (nonce == null || nonce.length() != NONCE_CHARS) {
      return false;
    }
    byte[] raw = B64.decode(nonce);
    if (raw == null || raw.length != NONCE_BYTES) {
      return false;
    }
    long bucket = getLong(raw);
    long now = currentBucket();
    if (bucket != now && bucket != now - 1) {
      return false;
    }
    byte[] tag = tag(bucket);
    int diff = 0;
    for (int i = 0; i < TAG_BYTES; i++) {
      diff |= tag[i] ^ raw[BUCKET_BYTES + i]; // constant time over the tag
    }
    return diff == 0;
  }

  /** The bucket length. */
  public Duration bucket() {
    return Duration.ofSeconds(bucketSeconds);
  }

  private long currentBucket() {
    return Math.floorDiv(clock.instant().getEpochSecond(), bucketSeconds);
  }

  private byte[] tag(long bucket) {
    // The bucket length is part of the message, so a nonce never survives a change of configuration.
    byte[] msg = new byte[16];
    putLong(msg, 0, bucketSeconds);
    putLong(msg, 8, bucket);
    MessageDigest in = inner.fresh();
    in.update(LABEL);
    in.update(msg);
    byte[] innerHash = in.digest();
    MessageDigest out = outer.fresh();
    out.update(innerHash);
    byte[] mac = new byte[Sha256.LENGTH];
    try {
      out.digest(mac, 0, mac.length);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 output buffer", e);
    }
    return mac;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = off + 7; i >= off; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  @Override
  public String toString() {
    return "DpopNonces[bucket=" + bucketSeconds + "s, secret=redacted]";
  }
}
