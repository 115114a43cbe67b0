package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.DpopRejections.BAD_ALG;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_ATH;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_BH;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_HEADER_B64;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_HTM;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_HTU;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_IAT;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_JSON;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_JTI;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_JWK;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_NONCE;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_PAYLOAD_B64;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_SIG_B64;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_TYP;
import static dev.ephyr.protocol.dpop.DpopRejections.BAD_X;
import static dev.ephyr.protocol.dpop.DpopRejections.CRIT;
import static dev.ephyr.protocol.dpop.DpopRejections.HEADER_NOT_OBJECT;
import static dev.ephyr.protocol.dpop.DpopRejections.NOT_COMPACT;
import static dev.ephyr.protocol.dpop.DpopRejections.PAYLOAD_NOT_OBJECT;
import static dev.ephyr.protocol.dpop.DpopRejections.PRIVATE_JWK;
import static dev.ephyr.protocol.dpop.DpopRejections.TOO_LARGE;
import static dev.ephyr.protocol.dpop.DpopRejections.TRAILING;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The parsing half of DPoP: the JWS compact form and the decoding of its header and claims, each with its
 * bounds (proof length, segment alphabet, strict UTF-8 JSON objects, nesting, name and string lengths,
 * duplicate members). Decides only what a proof says, never whether it is good; that is {@link
 * DpopVerifier}'s job. Thread-safe. Jackson's {@link IOException} (syntax, duplicates, limits) escapes
 * and is the verifier's {@code BAD_JSON}.
 */
final class DpopProofParser {
  private static final int JTI_MAX = DpopProofBuilder.MAX_JTI_LENGTH;
  private static final int X_CHARS = B64.encodedLength(HolderPublicKey.LENGTH);
  private static final int SIG_CHARS = B64.encodedLength(Ed25519.SIGNATURE_SIZE);

  /**
   * A proof split into its three decoded segments; {@code text} is the proof in Latin-1 and the signature
   * covers its first {@code signedLength} bytes.
   */
  record CompactJws(byte[] text, int signedLength, byte[] header, byte[] payload, byte[] signature) {}

  /** The claims a proof carries; {@code bh} and {@code nonce} may be absent ({@code null}). */
  record Claims(String jti, String htm, String htu, long iat, String ath, String bh, String nonce) {}

  private final int maxProofBytes;
  private final JsonFactory json;

  DpopProofParser(int maxProofBytes) {
    this.maxProofBytes = maxProofBytes;
    this.json = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // No shared symbol table fed by attacker-chosen member names, and no interning of them.
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(8)
            .maxStringLength(maxProofBytes)
            .maxNameLength(256)
            .maxNumberLength(32)
            .maxDocumentLength(maxProofBytes)
            .build())
        .build();
  }

  /** Splits a proof into its three base64url segments, bounding its length first. */
  ProofStep<CompactJws> compact(String proof) {
    int len = proof.length();
    if (len > maxProofBytes) {
      return new ProofStep.Refused<>(TOO_LARGE);
    }
    int dot1 = proof.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : proof.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 <= dot1 + 1 || proof.indexOf('.', dot2 + 1) >= 0) {
      return new ProofStep.Refused<>(NOT_COMPACT);
    }
    if (len - dot2 - 1 != SIG_CHARS) {
      return new ProofStep.Refused<>(BAD_SIG_B64);
    }
    // Latin-1 keeps one byte per char; anything beyond ASCII then fails the base64url alphabet check.
    byte[] text = proof.getBytes(StandardCharsets.ISO_8859_1);
    byte[] header = B64.decode(text, 0, dot1);
    if (header == null) {
      return new ProofStep.Refused<>(BAD_HEADER_B64);
    }
    byte[] payload = B64.decode(text, dot1 + 1, dot2);
    if (payload == null) {
      return new ProofStep.Refused<>(BAD_PAYLOAD_B64);
    }
    byte[] sig = B64.decode(text, dot2 + 1, len);
    if (sig == null) {
      return new ProofStep.Refused<>(BAD_SIG_B64);
    }
    return new ProofStep.Ok<>(new CompactJws(text, dot2, header, payload, sig));
  }

  /**
   * Reads the protected header: {@code typ} and {@code alg} pinned, no {@code crit}, a public OKP Ed25519
   * {@code jwk}. Yields the key's {@code x} (base64url, length checked, not yet decoded).
   */
  ProofStep<String> header(byte[] header) throws IOException {
    Parts parts = new Parts();
    DpopCheck.Invalid bad = parseHeader(header, parts);
    return bad != null ? new ProofStep.Refused<>(bad) : new ProofStep.Ok<>(parts.x);
  }

  /** Reads the claims: {@code jti}, {@code htm}, {@code htu}, {@code iat} and {@code ath} required. */
  ProofStep<Claims> claims(byte[] payload) throws IOException {
    Parts parts = new Parts();
    DpopCheck.Invalid bad = parseClaims(payload, parts);
    return bad != null ? new ProofStep.Refused<>(bad)
        : new ProofStep.Ok<>(new Claims(parts.jti, parts.htm, parts.htu, parts.iat, parts.ath, parts.bh, parts.nonce));
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
}
