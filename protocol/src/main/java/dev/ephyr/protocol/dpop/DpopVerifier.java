package dev.ephyr.protocol.dpop;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.ephyr.protocol.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Verifies RFC 9449 DPoP proofs made with Ed25519 keys against a request; thread-safe, and the only way
 * to obtain a {@link DpopCheck.Valid}.
 *
 * <p>Strict and fail-closed: the algorithm is pinned to EdDSA (the header's {@code alg} is checked, never
 * obeyed), the key must be the expected holder key, and every input, however broken, yields a {@link
 * DpopCheck.Invalid} with a preallocated reason rather than an exception. Single use of {@code jti} is left
 * to the caller, which can make it cluster-wide; see {@link DpopCheck.Valid#replayKey()}.
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

  private static final int JTI_MAX = DpopProofBuilder.MAX_JTI_LENGTH;
  private static final int X_CHARS = B64.encodedLength(HolderPublicKey.LENGTH);
  private static final int HASH_CHARS = B64.encodedLength(Sha256.LENGTH);
  private static final int SIG_CHARS = B64.encodedLength(Ed25519.SIGNATURE_SIZE);

  // Routine rejections are constants: a flood of bad proofs allocates nothing for them, and no detail ever
  // echoes attacker-chosen text into audit logs.
  static final DpopCheck.Invalid NO_PROOF = invalid(Reason.POP_REQUIRED, "no proof");
  static final DpopCheck.Invalid TOO_LARGE = invalid(Reason.POP_INVALID, "proof too large");
  static final DpopCheck.Invalid NOT_COMPACT = invalid(Reason.POP_INVALID, "not a compact JWS of three segments");
  static final DpopCheck.Invalid BAD_HEADER_B64 = invalid(Reason.POP_INVALID, "header is not base64url");
  static final DpopCheck.Invalid BAD_PAYLOAD_B64 = invalid(Reason.POP_INVALID, "payload is not base64url");
  static final DpopCheck.Invalid BAD_SIG_B64 = invalid(Reason.POP_INVALID, "signature is not 64 bytes of base64url");
  static final DpopCheck.Invalid HEADER_NOT_OBJECT = invalid(Reason.POP_INVALID, "header is not a UTF-8 JSON object");
  static final DpopCheck.Invalid PAYLOAD_NOT_OBJECT = invalid(Reason.POP_INVALID, "payload is not a UTF-8 JSON object");
  static final DpopCheck.Invalid BAD_JSON = invalid(Reason.POP_INVALID, "malformed JSON or duplicate member");
  static final DpopCheck.Invalid TRAILING = invalid(Reason.POP_INVALID, "data after the JSON object");
  static final DpopCheck.Invalid BAD_TYP = invalid(Reason.POP_INVALID, "typ is not dpop+jwt");
  static final DpopCheck.Invalid BAD_ALG = invalid(Reason.POP_INVALID, "alg is not EdDSA");
  static final DpopCheck.Invalid CRIT = invalid(Reason.POP_INVALID, "crit is not supported");
  static final DpopCheck.Invalid BAD_JWK = invalid(Reason.POP_INVALID, "jwk is not an OKP Ed25519 public key");
  static final DpopCheck.Invalid PRIVATE_JWK = invalid(Reason.POP_INVALID, "jwk carries a private key");
  static final DpopCheck.Invalid BAD_X = invalid(Reason.POP_INVALID, "jwk x is not 32 bytes of base64url");
  static final DpopCheck.Invalid BAD_POINT = invalid(Reason.POP_INVALID, "jwk x is not a valid Ed25519 key");
  static final DpopCheck.Invalid KEY_MISMATCH = invalid(Reason.POP_KEY_MISMATCH, "proof key is not the holder key");
  static final DpopCheck.Invalid NO_EXPECTED_KEY =
      invalid(Reason.POP_KEY_MISMATCH, "no holder key to check the proof against (binding needs verifyBinding)");
  static final DpopCheck.Invalid BAD_SIGNATURE = invalid(Reason.POP_INVALID, "signature does not verify");
  static final DpopCheck.Invalid BAD_JTI = invalid(Reason.POP_INVALID, "jti missing or not 1..128 characters");
  static final DpopCheck.Invalid BAD_HTM = invalid(Reason.POP_INVALID, "htm missing or not a string");
  static final DpopCheck.Invalid BAD_HTU = invalid(Reason.POP_INVALID, "htu missing or not a string");
  static final DpopCheck.Invalid BAD_IAT = invalid(Reason.POP_INVALID, "iat missing or not integer seconds");
  static final DpopCheck.Invalid BAD_ATH = invalid(Reason.POP_INVALID, "ath missing or not a string");
  static final DpopCheck.Invalid BAD_BH = invalid(Reason.POP_INVALID, "bh not a string");
  static final DpopCheck.Invalid BAD_NONCE = invalid(Reason.POP_INVALID, "nonce not a string");
  static final DpopCheck.Invalid METHOD_MISMATCH = invalid(Reason.POP_METHOD_MISMATCH, "htm is not the request method");
  static final DpopCheck.Invalid URL_MISMATCH = invalid(Reason.POP_URL_MISMATCH, "htu is not the request URL");
  static final DpopCheck.Invalid TOO_OLD = invalid(Reason.POP_STALE, "iat too far in the past");
  static final DpopCheck.Invalid TOO_NEW = invalid(Reason.POP_STALE, "iat too far in the future");
  static final DpopCheck.Invalid TOKEN_MISMATCH = invalid(Reason.POP_TOKEN_MISMATCH, "ath is not the hash of the access token");
  static final DpopCheck.Invalid BH_REQUIRED = invalid(Reason.POP_BODY_MISMATCH, "bh required for a request with a body");
  static final DpopCheck.Invalid BODY_MISMATCH = invalid(Reason.POP_BODY_MISMATCH, "bh is not the hash of the body");
  static final DpopCheck.Invalid NONCE_MISSING = invalid(Reason.POP_NONCE_REQUIRED, "nonce required");
  static final DpopCheck.Invalid NONCE_STALE = invalid(Reason.POP_NONCE_REQUIRED, "nonce stale or not ours");
  static final DpopCheck.Invalid INTERNAL = invalid(Reason.POP_INVALID, "internal error while checking the proof");

  private final Clock clock;
  private final long windowSeconds;
  private final int maxProofBytes;
  private final DpopNonces nonces;
  private final int keyCacheSize;
  private final JsonFactory json;
  private final Sha256 sha256;
  private final byte[] emptyBodyHash;
  // Decoded holder keys by JWK x. Only keys whose thumbprint matched an expected holder key get in, so
  // strangers cannot churn it; the bound is enforced on insert by evicting an arbitrary entry.
  private final ConcurrentHashMap<String, HolderPublicKey> keys;

  private DpopVerifier(Builder b) {
    this.clock = b.clock;
    this.windowSeconds = b.iatWindow.getSeconds();
    this.maxProofBytes = b.maxProofBytes;
    this.nonces = b.nonces;
    this.keyCacheSize = b.keyCacheSize;
    this.json = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // No shared symbol table fed by attacker-chosen member names, and no interning of them.
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(8)
            .maxStringLength(b.maxProofBytes)
            .maxNameLength(256)
            .maxNumberLength(32)
            .maxDocumentLength(b.maxProofBytes)
            .build())
        .build();
    this.sha256 = new Sha256();
    this.emptyBodyHash = sha256.hash(new byte[0]);
    this.keys = new ConcurrentHashMap<>();
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
   * holder key. A {@code null} proof is {@link Reason#POP_REQUIRED}; every other problem is an {@link
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

  private DpopCheck check(String proof, DpopRequest request) throws IOException {
    int len = proof.length();
    if (len > maxProofBytes) {
      return TOO_LARGE;
    }
    int dot1 = proof.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : proof.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 <= dot1 + 1 || proof.indexOf('.', dot2 + 1) >= 0) {
      return NOT_COMPACT;
    }
    if (len - dot2 - 1 != SIG_CHARS) {
      return BAD_SIG_B64;
    }
    // Latin-1 keeps one byte per char; anything beyond ASCII then fails the base64url alphabet check.
    byte[] text = proof.getBytes(StandardCharsets.ISO_8859_1);
    byte[] header = B64.decode(text, 0, dot1);
    if (header == null) {
      return BAD_HEADER_B64;
    }
    byte[] payload = B64.decode(text, dot1 + 1, dot2);
    if (payload == null) {
      return BAD_PAYLOAD_B64;
    }
    byte[] sig = B64.decode(text, dot2 + 1, len);
    if (sig == null) {
      return BAD_SIG_B64;
    }

    Parts parts = new Parts();
    DpopCheck.Invalid bad = parseHeader(header, parts);
    if (bad != null) {
      return bad;
    }

    // The key must be the holder's before any signature work: strangers are turned away for the price of
    // one SHA-256, and only holder keys are ever decoded and cached.
    String expected = request.expectedJkt(); // null only through verifyBinding
    HolderPublicKey key = keys.get(parts.x);
    if (key == null) {
      byte[] raw = B64.decode(parts.x);
      if (raw == null || raw.length != HolderPublicKey.LENGTH) {
        return BAD_X;
      }
      String jkt = B64.encode(Jwk.thumbprintBytes(sha256.fresh(), parts.x));
      if (expected != null && !constantTimeEquals(jkt, expected)) {
        return KEY_MISMATCH;
      }
      key = HolderPublicKey.decodeOrNull(raw, parts.x, jkt);
      if (key == null) {
        return BAD_POINT;
      }
      if (expected != null) {
        remember(key); // binding keys are one-off and caller-chosen: they stay out
      }
    } else if (expected != null && !constantTimeEquals(key.jkt(), expected)) {
      return KEY_MISMATCH;
    }

    if (!Ed25519.verify(sig, 0, key.point(), text, 0, dot2)) {
      return BAD_SIGNATURE;
    }

    bad = parseClaims(payload, parts);
    if (bad != null) {
      return bad;
    }
    return checkClaims(parts, request, key);
  }

  private DpopCheck checkClaims(Parts parts, DpopRequest request, HolderPublicKey key) {
    if (!parts.htm.equals(request.method())) {
      return METHOD_MISMATCH; // RFC 9110: methods are case-sensitive
    }
    if (!Htu.sameTarget(parts.htu, request.url())) {
      return URL_MISMATCH;
    }
    long now = clock.instant().getEpochSecond();
    if (parts.iat < now - windowSeconds) {
      return TOO_OLD;
    }
    if (parts.iat > now + windowSeconds) {
      return TOO_NEW;
    }
    byte[] ath = parts.ath.length() == HASH_CHARS ? B64.decode(parts.ath) : null;
    byte[] tokenHash = sha256.hash(request.accessToken().getBytes(StandardCharsets.UTF_8));
    if (ath == null || !MessageDigest.isEqual(ath, tokenHash)) {
      return TOKEN_MISMATCH;
    }
    byte[] body = request.body();
    boolean hasBody = body != null && body.length > 0;
    if (parts.bh == null) {
      if (hasBody) {
        return BH_REQUIRED;
      }
    } else {
      byte[] bh = parts.bh.length() == HASH_CHARS ? B64.decode(parts.bh) : null;
      byte[] bodyHash = hasBody ? sha256.hash(body) : emptyBodyHash;
      if (bh == null || !MessageDigest.isEqual(bh, bodyHash)) {
        return BODY_MISMATCH;
      }
    }
    if (nonces != null) {
      if (parts.nonce == null) {
        return NONCE_MISSING;
      }
      if (!nonces.isCurrent(parts.nonce)) {
        return NONCE_STALE;
      }
    }
    Instant issuedAt = Instant.ofEpochSecond(parts.iat);
    // Accepted while now <= iat + window; the extra second covers the sub-second part of the clock.
    Instant rememberUntil = issuedAt.plusSeconds(windowSeconds + 1);
    return new DpopCheck.Valid(key.jkt(), parts.jti, issuedAt, rememberUntil);
  }

  private DpopCheck.Invalid parseHeader(byte[] header, Parts parts) throws IOException {
    if (!looksLikeUtf8Object(header)) {
      return HEADER_NOT_OBJECT;
    }
    boolean typ = false;
    boolean alg = false;
    try (JsonParser p = json.createParser(header)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return HEADER_NOT_OBJECT;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        t = p.nextToken();
        switch (name) {
          case "typ":
            if (t != JsonToken.VALUE_STRING || !"dpop+jwt".equals(p.getText())) {
              return BAD_TYP;
            }
            typ = true;
            break;
          case "alg":
            if (t != JsonToken.VALUE_STRING || !"EdDSA".equals(p.getText())) {
              return BAD_ALG;
            }
            alg = true;
            break;
          case "jwk":
            if (t != JsonToken.START_OBJECT) {
              return BAD_JWK;
            }
            DpopCheck.Invalid bad = parseJwk(p, parts);
            if (bad != null) {
              return bad;
            }
            break;
          case "crit":
            return CRIT; // we understand no extension, so any critical one must fail (RFC 7515 §4.1.11)
          default:
            p.skipChildren(); // other registered or private header parameters carry no meaning here
            break;
        }
      }
      if (t != JsonToken.END_OBJECT) {
        return BAD_JSON;
      }
      if (p.nextToken() != null) {
        return TRAILING;
      }
    }
    if (!typ) {
      return BAD_TYP;
    }
    if (!alg) {
      return BAD_ALG;
    }
    return parts.x == null ? BAD_JWK : null;
  }

  private static DpopCheck.Invalid parseJwk(JsonParser p, Parts parts) throws IOException {
    boolean kty = false;
    boolean crv = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      t = p.nextToken();
      switch (name) {
        case "kty":
          if (t != JsonToken.VALUE_STRING || !"OKP".equals(p.getText())) {
            return BAD_JWK;
          }
          kty = true;
          break;
        case "crv":
          if (t != JsonToken.VALUE_STRING || !"Ed25519".equals(p.getText())) {
            return BAD_JWK;
          }
          crv = true;
          break;
        case "x":
          if (t != JsonToken.VALUE_STRING) {
            return BAD_X;
          }
          String x = p.getText();
          if (x.length() != X_CHARS) {
            return BAD_X;
          }
          parts.x = x;
          break;
        case "d":
          return PRIVATE_JWK; // a client that leaks its private key must not be rewarded with a pass
        case "kid":
          if (t != JsonToken.VALUE_STRING) {
            return BAD_JWK;
          }
          break;
        case "use":
          if (t != JsonToken.VALUE_STRING || !"sig".equals(p.getText())) {
            return BAD_JWK;
          }
          break;
        case "alg":
          if (t != JsonToken.VALUE_STRING || !"EdDSA".equals(p.getText())) {
            return BAD_JWK;
          }
          break;
        case "key_ops":
        case "ext":
          p.skipChildren(); // WebCrypto's exportKey("jwk") adds these to public keys
          break;
        default:
          return BAD_JWK; // a public OKP key has nothing else; anything else is a confused or hostile client
      }
    }
    if (t != JsonToken.END_OBJECT) {
      return BAD_JSON;
    }
    return kty && crv && parts.x != null ? null : BAD_JWK;
  }

  private DpopCheck.Invalid parseClaims(byte[] payload, Parts parts) throws IOException {
    if (!looksLikeUtf8Object(payload)) {
      return PAYLOAD_NOT_OBJECT;
    }
    boolean iat = false;
    try (JsonParser p = json.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return PAYLOAD_NOT_OBJECT;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        t = p.nextToken();
        switch (name) {
          case "jti":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_JTI;
            }
            parts.jti = p.getText();
            if (parts.jti.isEmpty() || parts.jti.length() > JTI_MAX) {
              return BAD_JTI;
            }
            break;
          case "htm":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_HTM;
            }
            parts.htm = p.getText();
            break;
          case "htu":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_HTU;
            }
            parts.htu = p.getText();
            break;
          case "iat":
            if (t != JsonToken.VALUE_NUMBER_INT) {
              return BAD_IAT;
            }
            JsonParser.NumberType type = p.getNumberType();
            if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
              return BAD_IAT;
            }
            parts.iat = p.getLongValue();
            iat = true;
            break;
          case "ath":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_ATH;
            }
            parts.ath = p.getText();
            break;
          case "bh":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_BH;
            }
            parts.bh = p.getText();
            break;
          case "nonce":
            if (t != JsonToken.VALUE_STRING) {
              return BAD_NONCE;
            }
            parts.nonce = p.getText();
            break;
          default:
            p.skipChildren(); // unregistered claims are ignored (RFC 9449 §4.2)
            break;
        }
      }
      if (t != JsonToken.END_OBJECT) {
        return BAD_JSON;
      }
      if (p.nextToken() != null) {
        return TRAILING;
      }
    }
    if (parts.jti == null) {
      return BAD_JTI;
    }
    if (parts.htm == null) {
      return BAD_HTM;
    }
    if (parts.htu == null) {
      return BAD_HTU;
    }
    if (!iat) {
      return BAD_IAT;
    }
    return parts.ath == null ? BAD_ATH : null;
  }

  /**
   * RFC 7515 wants UTF-8 JSON; jackson would also guess UTF-16 or UTF-32 from the first bytes, so the text
   * must open with '{' (no BOM, no whitespace) and be strictly valid UTF-8.
   */
  private static boolean looksLikeUtf8Object(byte[] b) {
    return b.length >= 2 && b[0] == '{' && b[1] != 0 && Utf8.isValid(b);
  }

  private void remember(HolderPublicKey key) {
    if (keys.size() >= keyCacheSize) {
      Iterator<String> it = keys.keySet().iterator();
      if (it.hasNext()) {
        it.next();
        it.remove();
      }
    }
    keys.put(key.x(), key);
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

  private static DpopCheck.Invalid invalid(Reason reason, String detail) {
    return new DpopCheck.Invalid(reason, detail);
  }

  @Override
  public String toString() {
    return "DpopVerifier[iatWindow=" + windowSeconds + "s, maxProofBytes=" + maxProofBytes + ", nonces="
        + (nonces != null) + "]";
  }

  /** What one proof is made of, filled in as it is parsed. */
  private static final class Parts {
    String x;
    String jti;
    String htm;
    String htu;
    long iat;
    String ath;
    String bh;
    String nonce;
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
