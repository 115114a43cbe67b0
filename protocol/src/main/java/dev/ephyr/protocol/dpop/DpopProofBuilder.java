package dev.ephyr.protocol.dpop;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Builds RFC 9449 DPoP proofs (compact JWS, {@code typ} {@code dpop+jwt}, {@code alg} {@code EdDSA},
 * {@code jwk} OKP/Ed25519) for clients and tests, with our {@code bh} body-hash claim.
 *
 * <p>A builder is a mutable, single-threaded object; {@link #build()} may be called again (a fresh random
 * {@code jti} is drawn each time unless one was set).
 */
public final class DpopProofBuilder {
  /** Longest {@code jti} the verifier accepts. */
  public static final int MAX_JTI_LENGTH = 128;

  private final HolderKeyPair key;
  private String method;
  private String url;
  private String accessToken;
  private byte[] body;
  private Instant issuedAt;
  private Clock clock = Clock.systemUTC();
  private String jti;
  private String nonce;
  private SecureRandom random;

  private DpopProofBuilder(HolderKeyPair key) {
    this.key = key;
  }

  /** A builder for proofs signed by {@code key}. */
  public static DpopProofBuilder forKey(HolderKeyPair key) {
    return new DpopProofBuilder(Objects.requireNonNull(key, "key"));
  }

  /** The HTTP method ({@code htm}), exactly as it will be sent, e.g. {@code POST}. */
  public DpopProofBuilder method(String method) {
    Objects.requireNonNull(method, "method");
    if (method.isEmpty() || !isVisibleAscii(method)) {
      throw new IllegalArgumentException("method must be a non-empty HTTP token");
    }
    this.method = method;
    return this;
  }

  /** The target URL ({@code htu}); query and fragment are dropped, as RFC 9449 asks. */
  public DpopProofBuilder url(String url) {
    Objects.requireNonNull(url, "url");
    if (Htu.parse(url) == null) {
      throw new IllegalArgumentException("url must be an absolute http or https URL without user info");
    }
    this.url = Htu.stripQueryAndFragment(url);
    return this;
  }

  /** The exact access token text the request will carry; the proof binds it through {@code ath}. */
  public DpopProofBuilder accessToken(String accessToken) {
    this.accessToken = Objects.requireNonNull(accessToken, "accessToken");
    return this;
  }

  /** The request body ({@code bh}); {@code null} (the default) for a request without one. Not copied. */
  public DpopProofBuilder body(byte[] body) {
    this.body = body;
    return this;
  }

  /** The issue time ({@code iat}, truncated to seconds); by default the clock's current time. */
  public DpopProofBuilder issuedAt(Instant issuedAt) {
    this.issuedAt = Objects.requireNonNull(issuedAt, "issuedAt");
    return this;
  }

  /** The clock read when no {@link #issuedAt} is set; by default the system clock. */
  public DpopProofBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** A fixed proof id; by default 128 random bits in base64url, drawn anew for each proof. */
  public DpopProofBuilder jti(String jti) {
    Objects.requireNonNull(jti, "jti");
    if (jti.isEmpty() || jti.length() > MAX_JTI_LENGTH || !isWellFormedUtf16(jti)) {
      throw new IllegalArgumentException("jti must be 1 to " + MAX_JTI_LENGTH + " characters");
    }
    this.jti = jti;
    return this;
  }

  /** The server nonce from the last {@code DPoP-Nonce} response header; {@code null} for none. */
  public DpopProofBuilder nonce(String nonce) {
    if (nonce != null && !isWellFormedUtf16(nonce)) {
      throw new IllegalArgumentException("nonce is not well-formed text");
    }
    this.nonce = nonce;
    return this;
  }

  /** The randomness for default {@code jti}s; by default a new {@link SecureRandom}. */
  public DpopProofBuilder random(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /**
   * The proof, ready for the {@code DPoP} request header.
   *
   * @throws IllegalStateException if the method, URL or access token is missing
   */
  public String build() {
    if (method == null || url == null || accessToken == null) {
      throw new IllegalStateException("a DPoP proof needs a method, a URL and an access token");
    }
    Sha256 sha = new Sha256();
    StringBuilder header = new StringBuilder(128);
    header.append("{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"")
        .append(key.publicKey().x()).append("\"}}");

    StringBuilder claims = new StringBuilder(256);
    claims.append('{');
    member(claims, "jti", jti != null ? jti : randomJti()).append(',');
    member(claims, "htm", method).append(',');
    member(claims, "htu", url).append(',');
    long iat = (issuedAt != null ? issuedAt : clock.instant()).getEpochSecond();
    claims.append("\"iat\":").append(iat).append(',');
    member(claims, "ath", B64.encode(sha.hash(accessToken.getBytes(StandardCharsets.UTF_8))));
    if (body != null) {
      claims.append(',');
      member(claims, "bh", B64.encode(sha.hash(body)));
    }
    if (nonce != null) {
      claims.append(',');
      member(claims, "nonce", nonce);
    }
    claims.append('}');

    String signingInput = B64.encode(header.toString().getBytes(StandardCharsets.UTF_8)) + '.'
        + B64.encode(claims.toString().getBytes(StandardCharsets.UTF_8));
    byte[] input = signingInput.getBytes(StandardCharsets.US_ASCII);
    return signingInput + '.' + B64.encode(key.sign(input, 0, input.length));
  }

  private String randomJti() {
    if (random == null) {
      random = new SecureRandom();
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    return B64.encode(id);
  }

  private static StringBuilder member(StringBuilder out, String name, String value) {
    out.append('"').append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        out.append(c);
      }
    }
    return out.append('"');
  }

  private static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  // A lone surrogate would silently become '?' in UTF-8, so the signed claim would differ from the input.
  private static boolean isWellFormedUtf16(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "DpopProofBuilder[jkt=" + key.jkt() + ", method=" + method + ", url=" + url + ", accessToken="
        + (accessToken == null ? "none" : "redacted") + "]";
  }
}
