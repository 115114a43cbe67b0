package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.DpopRejections.BAD_JSON;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_POINT;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_SIGNATURE;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_X;
import static dev.ephyr.protocol.dpop.DpopRejections.BH_REQUIRED;
import static dev.ephyr.protocol.dpop.DpopRejections.BODY_MISMATCH;
import static dev.ephyr.protocol.dpop.DpopRejections.INTERNAL;
import static dev.ephyr.protocol.dpop.DpopRejections.KEY_MISMATCH;
import static dev.ephyr.protocol.dpop.DpopRejections.METHOD_MISMATCH;
import static dev.ephyr.protocol.dpop.DpopRejections.NONCE_MISSING;
import static dev.ephyr.protocol.dpop.DpopRejections.NONCE_STALE;
import static dev.ephyr.protocol.dpop.DpopRejections.NO_EXPECTED_KEY;
import static dev.ephyr.protocol.dpop.DpopRejections.NO_PROOF;
import static dev.ephyr.protocol.dpop.DpopRejections.TOKEN_MISMATCH;
import static dev.ephyr.protocol.dpop.DpopRejections.TOO_NEW;
import static dev.ephyr.protocol.dpop.DpopRejections.TOO_OLD;
import static dev.ephyr.protocol.dpop.DpopRejections.URL_MISMATCH;

import dev.ephyr.protocol.dpop.DpopProofParser.Claims;
import dev.ephyr.protocol.dpop.DpopProofParser.CompactJws;
import dev.ephyr.protocol.internal.BoundedCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Verifies RFC 9449 DPoP proofs made with Ed25519 keys against a request; thread-safe, and the only way
 * to obtain a {@link DpopCheck.Valid}.
 *
 * <p>Strict and fail-closed: the algorithm is pinned to EdDSA (the header's {@code alg} is checked, never
 * obeyed), the key must be the expected holder key, and every input, however broken, yields a {@link
 * DpopCheck.Invalid} with a preallocated reason ({@link DpopRejections}) rather than an exception. Reading
 * the proof is {@link DpopProofParser}'s job; this class decides: key, signature, then the claims against
 * the request. Single use of {@code jti} is left to the caller, which can make it cluster-wide; see {@link
 * DpopCheck.Valid#replayKey()}.
 */
public final class DpopVerifier {
  /** Default accepted distance between a proof's {@code iat} and the clock, either way. */
  public static final Duration DEFAULT_IAT_WINDOW = Duration.ofSeconds(60);
  /** Largest window {@link Builder#iatWindow} accepts: longer windows make captured proofs live longer. */
  public static final Duration MAX_IAT_WINDOW = Duration.ofSeconds(300);
  /** Default bound on a proof's length, checked before anything else. */
  public static final int DEFAULT_MAX_PROOF_BYTES = 4096;
  /** Default number of decoded holder keys kept. */
  public static final int DEFAULT_KEY_CACHE_SIZE = 10_000;
  // A decoded key never goes stale; the age bound only returns memory of holders that went away.
  private static final long KEY_CACHE_MAX_AGE_MILLIS = 60 * 60 * 1000L;

  private static final int HASH_CHARS = B64.encodedLength(Sha256.LENGTH);

  private final Clock clock;
  private final long windowSeconds;
  private final int maxProofBytes;
  private final DpopNonces nonces;
  private final DpopProofParser parser;
  private final Sha256 sha256;
  private final byte[] emptyBodyHash;
  // Decoded holder keys by JWK x. Only keys whose thumbprint matched an expected holder key get in, so
  // strangers cannot churn it.
  private final BoundedCache<String, HolderPublicKey> keys;

  private DpopVerifier(Builder b) {
    this.clock = b.clock;
    this.windowSeconds = b.iatWindow.getSeconds();
    this.maxProofBytes = b.maxProofBytes;
    this.nonces = b.nonces;
    this.parser = new DpopProofParser(b.maxProofBytes);
    this.sha256 = new Sha256();
    this.emptyBodyHash = sha256.hash(new byte[0]);
    this.keys = BoundedCache.create(b.keyCacheSize, KEY_CACHE_MAX_AGE_MILLIS);
  }

  /** A builder with strict defaults: system clock, ±60 s, 4096 bytes, no server nonces. */
  public static Builder builder() {
    return new Builder();
  }

  /** How far {@code iat} may be from the clock, either way. */
  public Duration iatWindow() {
    return Duration.ofSeconds(windowSeconds);
  }

  /**
   * Checks {@code proof} (the {@code DPoP} header value) against {@code request}, which must name the expected
   * holder key. A {@code null} proof is {@link dev.ephyr.protocol.Reason#POP_REQUIRED}; every other problem is an {@link
   * DpopCheck.Invalid} with the most specific reason. Never throws for any proof text.
   */
  public DpopCheck verify(String proof, DpopRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.expectedJkt() == null) {
      return NO_EXPECTED_KEY; // "no key expected" must never quietly mean "any key"
    }
    return run(proof, request);
  }

  /**
   * Checks a proof for {@code task_bind}, where the proof itself introduces the key: when {@code request} names
   * no expected key ({@link DpopRequest#forBinding}), a proof by any valid Ed25519 key passes every other check
   * and {@link DpopCheck.Valid#jkt()} names the key to bind. Keys seen this way are not cached. When the request
   * does name a key, this is {@link #verify}.
   */
  public DpopCheck verifyBinding(String proof, DpopRequest request) {
    Objects.requireNonNull(request, "request");
    return run(proof, request);
  }

  private DpopCheck run(String proof, DpopRequest request) {
    if (proof == null) {
      return NO_PROOF;
    }
    try {
      return check(proof, request);
    } catch (IOException e) {
      return BAD_JSON; // jackson: syntax errors, duplicate members, broken limits
    } catch (RuntimeException e) {
      return INTERNAL; // fail closed; the fuzz tests assert this is never reached
    }
  }

  /** The steps in order: split, header, holder key, signature, claims, claims against the request. */
  private DpopCheck check(String proof, DpopRequest request) throws IOException {
    ProofStep<CompactJws> split = parser.compact(proof);
    if (split instanceof ProofStep.Refused<CompactJws> r) {
      return r.invalid();
    }
    CompactJws jws = ((ProofStep.Ok<CompactJws>) split).value();
    ProofStep<String> header = parser.header(jws.header());
    if (header instanceof ProofStep.Refused<String> r) {
      return r.invalid();
    }
    String x = ((ProofStep.Ok<String>) header).value();

    // The key must be the holder's before any signature work: strangers are turned away for the price of
    // one SHA-256, and only holder keys are ever decoded and cached.
    ProofStep<HolderPublicKey> key = holderKey(x, request.expectedJkt()); // null only through verifyBinding
    if (key instanceof ProofStep.Refused<HolderPublicKey> r) {
      return r.invalid();
    }
    HolderPublicKey holder = ((ProofStep.Ok<HolderPublicKey>) key).value();
    if (!Ed25519.verify(jws.signature(), 0, holder.point(), jws.text(), 0, jws.signedLength())) {
      return BAD_SIGNATURE;
    }

    ProofStep<Claims> claims = parser.claims(jws.payload());
    if (claims instanceof ProofStep.Refused<Claims> r) {
      return r.invalid();
    }
    return checkClaims(((ProofStep.Ok<Claims>) claims).value(), request, holder);
  }

  /**
   * The proof's key, which must be the expected holder key (any valid Ed25519 key when none is expected):
   * from the cache, or decoded and, when it is a holder key, remembered.
   */
  private ProofStep<HolderPublicKey> holderKey(String x, String expected) {
    HolderPublicKey key = keys.get(x);
    if (key == null) {
      byte[] raw = B64.decode(x);
      if (raw == null || raw.length != HolderPublicKey.LENGTH) {
        return new ProofStep.Refused<>(BAD_X);
      }
      String jkt = B64.encode(Jwk.thumbprintBytes(sha256.fresh(), x));
      if (expected != null && !constantTimeEquals(jkt, expected)) {
        return new ProofStep.Refused<>(KEY_MISMATCH);
      }
      key = HolderPublicKey.decodeOrNull(raw, x, jkt);
      if (key == null) {
        return new ProofStep.Refused<>(BAD_POINT);
      }
      if (expected != null) {
        keys.put(key.x(), key); // binding keys are one-off and caller-chosen: they stay out
      }
    } else if (expected != null && !constantTimeEquals(key.jkt(), expected)) {
      return new ProofStep.Refused<>(KEY_MISMATCH);
    }
    return new ProofStep.Ok<>(key);
  }

  /**
   * The claims against the request and the clock, in order: method, URL, {@code iat} window, access-token
   * hash, body hash, server nonce.
   */
  private DpopCheck checkClaims(Claims claims, DpopRequest request, HolderPublicKey key) {
    if (!claims.htm().equals(request.method())) {
      return METHOD_MISMATCH; // RFC 9110: methods are case-sensitive
    }
    if (!Htu.sameTarget(claims.htu(), request.url())) {
      return URL_MISMATCH;
    }
    long now = clock.instant().getEpochSecond();
    if (claims.iat() < now - windowSeconds) {
      return TOO_OLD;
    }
    if (claims.iat() > now + windowSeconds) {
      return TOO_NEW;
    }
    byte[] ath = claims.ath().length() == HASH_CHARS ? B64.decode(claims.ath()) : null;
    byte[] tokenHash = sha256.hash(request.accessToken().getBytes(StandardCharsets.UTF_8));
    if (ath == null || !MessageDigest.isEqual(ath, tokenHash)) {
      return TOKEN_MISMATCH;
    }
    byte[] body = request.body();
    boolean hasBody = body != null && body.length > 0;
    if (claims.bh() == null) {
      if (hasBody) {
        return BH_REQUIRED;
      }
    } else {
      byte[] bh = claims.bh().length() == HASH_CHARS ? B64.decode(claims.bh()) : null;
      byte[] bodyHash = hasBody ? sha256.hash(body) : emptyBodyHash;
      if (bh == null || !MessageDigest.isEqual(bh, bodyHash)) {
        return BODY_MISMATCH;
      }
    }
    if (nonces != null) {
      if (claims.nonce() == null) {
        return NONCE_MISSING;
      }
      if (!nonces.isCurrent(claims.nonce())) {
        return NONCE_STALE;
      }
    }
    Instant issuedAt = Instant.ofEpochSecond(claims.iat());
    // Accepted while now <= iat + window; the extra second covers the sub-second part of the clock.
    Instant rememberUntil = issuedAt.plusSeconds(windowSeconds + 1);
    return new DpopCheck.Valid(key.jkt(), claims.jti(), issuedAt, rememberUntil);
  }

  /** Number of cached holder keys, for tests of the bound. */
  int cachedKeys() {
    return keys.size();
  }

  // Thumbprints are public, but comparing them in constant time costs nothing and removes a question.
  private static boolean constantTimeEquals(String a, String b) {
    if (a.length() != b.length()) {
      return false;
    }
    int diff = 0;
    for (int i = 0; i < a.length(); i++) {
      diff |= a.charAt(i) ^ b.charAt(i);
    }
    return diff == 0;
  }

  @Override
  public String toString() {
    return "DpopVerifier[iatWindow=" + windowSeconds + "s, maxProofBytes=" + maxProofBytes + ", nonces="
        + (nonces != null) + "]";
  }

  /** Configures a {@link DpopVerifier}; every setter validates at once. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration iatWindow = DEFAULT_IAT_WINDOW;
    private int maxProofBytes = DEFAULT_MAX_PROOF_BYTES;
    private DpopNonces nonces;
    private int keyCacheSize = DEFAULT_KEY_CACHE_SIZE;

    private Builder() {}

    /** The clock {@code iat} is compared with. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Accepted distance between {@code iat} and the clock, either way: whole seconds, 1 s to 300 s. */
    public Builder iatWindow(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.getNano() != 0 || window.getSeconds() < 1 || window.compareTo(MAX_IAT_WINDOW) > 0) {
        throw new IllegalArgumentException("iatWindow must be whole seconds between 1 s and 300 s");
      }
      this.iatWindow = window;
      return this;
    }

    /** Longest proof accepted, in characters: 512 to 16384. */
    public Builder maxProofBytes(int max) {
      if (max < 512 || max > 16384) {
        throw new IllegalArgumentException("maxProofBytes must be between 512 and 16384");
      }
      this.maxProofBytes = max;
      return this;
    }

    /** Demands a current server nonce in every proof. */
    public Builder nonces(DpopNonces nonces) {
      this.nonces = Objects.requireNonNull(nonces, "nonces");
      return this;
    }

    /** How many decoded holder keys to keep: 1 to 1,000,000. */
    public Builder keyCacheSize(int size) {
      if (size < 1 || size > 1_000_000) {
        throw new IllegalArgumentException("keyCacheSize must be between 1 and 1000000");
      }
      this.keyCacheSize = size;
      return this;
    }

    /** The verifier. */
    public DpopVerifier build() {
      return new DpopVerifier(this);
    }
  }
}
