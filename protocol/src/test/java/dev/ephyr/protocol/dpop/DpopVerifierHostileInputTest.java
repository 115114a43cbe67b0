package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.b64;
import static dev.ephyr.protocol.dpop.Fixtures.claims;
import static dev.ephyr.protocol.dpop.Fixtures.header;
import static dev.ephyr.protocol.dpop.Fixtures.key;
import static dev.ephyr.protocol.dpop.Fixtures.proof;
import static dev.ephyr.protocol.dpop.Fixtures.request;
import static dev.ephyr.protocol.dpop.Fixtures.signRaw;
import static dev.ephyr.protocol.dpop.Fixtures.verifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Broken, hostile and random proofs: each is refused with a reason, none throws (DESIGN §10 invariant 10). */
class DpopVerifierHostileInputTest {
  private static final String B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private final HolderKeyPair key = key(1);
  private final DpopVerifier verifier = verifier();
  private final String jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + key.publicKey().x() + "\"}";

  /** Verifies and insists on a refusal that is not the catch-all (which would hide a bug). */
  private DpopCheck.Invalid refuse(String proof) {
    DpopCheck check;
    try {
      check = verifier.verify(proof, request(key));
    } catch (RuntimeException e) {
      throw new AssertionError("verify threw for " + proof, e);
    }
    DpopCheck.Invalid invalid = assertInstanceOf(DpopCheck.Invalid.class, check, proof);
    assertNotEquals(DpopRejections.INTERNAL, invalid, proof);
    return invalid;
  }

  private DpopCheck.Invalid refuseSigned(String header, String payload) {
    return refuse(signRaw(key, header, payload));
  }

  private String headerWith(String alg, String typ, String jwkJson) {
    return "{\"typ\":\"" + typ + "\",\"alg\":\"" + alg + "\",\"jwk\":" + jwkJson + "}";
  }

  @Test
  void verify_signedFixtureProof_isValid() {
    // Guards the rest of this class: the raw assembler makes valid proofs when nothing is broken.
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(signRaw(key, header(key), claims("")), request(key)));
  }

  @Test
  void verify_algNoneOrSymmetricOrOtherCurve_isRejectedAsInvalid() {
    for (String alg : List.of("none", "HS256", "ES256", "RS256", "Ed25519", "eddsa", "")) {
      assertEquals(DpopRejections.BAD_ALG, refuseSigned(headerWith(alg, "dpop+jwt", jwk), claims("")), alg);
    }
    // Unsigned form: empty signature segment.
    String unsigned = b64(headerWith("none", "dpop+jwt", jwk)) + "." + b64(claims("")) + ".";
    assertEquals(Reason.POP_INVALID, refuse(unsigned).reason());
  }

  @Test
  void verify_algMissingOrNotString_isRejectedAsInvalid() {
    assertEquals(DpopRejections.BAD_ALG, refuseSigned("{\"typ\":\"dpop+jwt\",\"jwk\":" + jwk + "}", claims("")));
    assertEquals(DpopRejections.BAD_ALG, refuseSigned("{\"typ\":\"dpop+jwt\",\"alg\":[\"EdDSA\"],\"jwk\":" + jwk + "}", claims("")));
  }

  @Test
  void verify_typOtherThanDpopJwt_isRejectedAsInvalid() {
    for (String typ : List.of("JWT", "jwt", "DPOP+JWT", "application/dpop+jwt", "at+jwt", "")) {
      assertEquals(DpopRejections.BAD_TYP, refuseSigned(headerWith("EdDSA", typ, jwk), claims("")), typ);
    }
    assertEquals(DpopRejections.BAD_TYP, refuseSigned("{\"alg\":\"EdDSA\",\"jwk\":" + jwk + "}", claims("")));
  }

  @Test
  void verify_critHeader_isRejectedAsInvalid() {
    String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"exp\":1,\"jwk\":" + jwk + "}";

    assertEquals(DpopRejections.CRIT, refuseSigned(header, claims("")));
  }

  @Test
  void verify_jwkWithPrivateKey_isRejectedAsInvalid() {
    String leaky = jwk.replace("}", ",\"d\":\"" + b64(new byte[32]) + "\"}");

    assertEquals(DpopRejections.PRIVATE_JWK, refuseSigned(headerWith("EdDSA", "dpop+jwt", leaky), claims("")));
  }

  @Test
  void verify_jwkOfAnotherTypeOrCurve_isRejectedAsInvalid() {
    String x = key.publicKey().x();
    for (String other : List.of(
        "{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}",
        "{\"kty\":\"oct\",\"k\":\"" + x + "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" + x + "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" + x + "\"}",
        "{\"kty\":\"OKP\",\"x\":\"" + x + "\"}",
        "{\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\",\"y\":\"" + x + "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\",\"use\":\"enc\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\",\"alg\":\"ES256\"}",
        "\"" + x + "\"", "[]", "null")) {
      DpopCheck.Invalid invalid = refuseSigned(headerWith("EdDSA", "dpop+jwt", other), claims(""));
      assertEquals(Reason.POP_INVALID, invalid.reason(), other);
    }
  }

  @Test
  void verify_jwkWithWebCryptoExtras_isValid() {
    String webCrypto = jwk.replace("}", ",\"ext\":true,\"key_ops\":[\"verify\"],\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"EdDSA\"}");

    DpopCheck check = verifier.verify(signRaw(key, headerWith("EdDSA", "dpop+jwt", webCrypto), claims("")), request(key));

    assertInstanceOf(DpopCheck.Valid.class, check);
  }

  @Test
  void verify_jwkXOfWrongLengthOrEncoding_isRejectedAsInvalid() {
    String x = key.publicKey().x();
    for (String badX : List.of(x.substring(1), x + "A", x.substring(0, 42) + "=", x.substring(0, 42) + "+",
        b64(new byte[31]), b64(new byte[33]))) {
      String badJwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + badX + "\"}";
      assertEquals(DpopRejections.BAD_X, refuseSigned(headerWith("EdDSA", "dpop+jwt", badJwk), claims("")), badX);
    }
  }

  @Test
  void verify_jwkXThatIsNotACurvePoint_isRejectedAsInvalid() {
    // The identity (y = 1) and the point of order 2 (y = p - 1) are small-order keys; y = p is a
    // non-canonical spelling of y = 0. Full validation refuses all three.
    byte[] identity = new byte[32];
    identity[0] = 1;
    byte[] orderTwo = new byte[32];
    java.util.Arrays.fill(orderTwo, (byte) 0xff);
    orderTwo[0] = (byte) 0xec;
    orderTwo[31] = 0x7f;
    byte[] nonCanonical = orderTwo.clone();
    nonCanonical[0] = (byte) 0xed;
    for (byte[] raw : List.of(identity, orderTwo, nonCanonical)) {
      String x = b64(raw);
      String badJwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}";
      String proof = signRaw(key, headerWith("EdDSA", "dpop+jwt", badJwk), claims(""));

      DpopCheck check = verifier.verify(proof, new DpopRequest("POST", Fixtures.URL, Fixtures.TOKEN, Fixtures.BODY,
          Jwk.thumbprintOfEd25519(raw)));

      assertEquals(DpopRejections.BAD_POINT, check);
    }
  }

  @Test
  void verify_missingRequiredClaims_isRejectedAsInvalid() {
    String full = claims("");
    for (String claim : List.of("jti", "htm", "htu", "iat", "ath")) {
      String without = removeMember(full, claim);
      DpopCheck.Invalid invalid = refuseSigned(header(key), without);
      assertEquals(Reason.POP_INVALID, invalid.reason(), claim);
      assertEquals(true, invalid.detail().startsWith(claim), invalid.detail());
    }
  }

  @Test
  void verify_claimsOfWrongType_isRejectedAsInvalid() {
    long now = Fixtures.NOW.getEpochSecond();
    String iat = "\"iat\":" + now;
    for (String broken : List.of(
        claims("").replace(iat, "\"iat\":" + now + ".5"),
        claims("").replace(iat, "\"iat\":\"" + now + "\""),
        claims("").replace(iat, "\"iat\":1e9"),
        claims("").replace(iat, "\"iat\":99999999999999999999999"),
        claims("").replace(iat, "\"iat\":null"),
        claims("").replace("\"jti\":\"j-1\"", "\"jti\":\"\""),
        claims("").replace("\"jti\":\"j-1\"", "\"jti\":\"" + "j".repeat(129) + "\""),
        claims("").replace("\"jti\":\"j-1\"", "\"jti\":42"),
        claims("").replace("\"htm\":\"POST\"", "\"htm\":[\"POST\"]"),
        claims("").replace("\"htu\":\"", "\"htu\":{\"u\":\"").replace("/mcp\"", "/mcp\"}"),
        claims("").replace("\"ath\":\"", "\"ath\":[\"").replace("\",\"bh\"", "\"],\"bh\""),
        claims(",\"nonce\":7"))) {
      assertEquals(Reason.POP_INVALID, refuseSigned(header(key), broken).reason(), broken);
    }
    assertEquals(DpopRejections.BAD_BH, refuseSigned(header(key), removeMember(claims(""), "bh") .replace("}", ",\"bh\":null}")));
  }

  @Test
  void verify_iatFarOutsideLongRange_isRejectedWithoutOverflow() {
    String payload = claims("").replace("\"iat\":" + Fixtures.NOW.getEpochSecond(), "\"iat\":" + Long.MIN_VALUE);
    assertEquals(DpopRejections.TOO_OLD, refuseSigned(header(key), payload));
    payload = claims("").replace("\"iat\":" + Fixtures.NOW.getEpochSecond(), "\"iat\":" + Long.MAX_VALUE);
    assertEquals(DpopRejections.TOO_NEW, refuseSigned(header(key), payload));
  }

  @Test
  void verify_duplicateMembers_isRejectedAsInvalid() {
    String dupHeader = header(key).replace("\"alg\":\"EdDSA\"", "\"alg\":\"EdDSA\",\"alg\":\"EdDSA\"");
    String dupJwk = header(key).replace("\"kty\":\"OKP\"", "\"kty\":\"OKP\",\"kty\":\"OKP\"");
    String dupClaim = claims(",\"htm\":\"GET\"");
    String dupNested = claims(",\"cnf\":{\"a\":1,\"a\":2}");

    assertEquals(DpopRejections.BAD_JSON, refuseSigned(dupHeader, claims("")));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(dupJwk, claims("")));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), dupClaim));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), dupNested));
  }

  @Test
  void verify_nonObjectJson_isRejectedAsInvalid() {
    for (String notObject : List.of("[]", "\"dpop+jwt\"", "42", "null", "true", " {}", "\uFEFF{}", "")) {
      assertEquals(Reason.POP_INVALID, refuseSigned(notObject, claims("")).reason(), notObject);
      assertEquals(Reason.POP_INVALID, refuseSigned(header(key), notObject).reason(), notObject);
    }
  }

  @Test
  void verify_trailingDataAfterJson_isRejectedAsInvalid() {
    assertEquals(DpopRejections.TRAILING, refuseSigned(header(key), claims("") + "{}"));
    assertEquals(DpopRejections.TRAILING, refuseSigned(header(key) + "[1]", claims("")));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), claims("") + "x"));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), claims("") + ","));
    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), claims("").replace("}", "")));
  }

  @Test
  void verify_lenientJsonSyntax_isRejectedAsInvalid() {
    for (String lenient : List.of(
        claims(",'single':1"), claims(",\"c\":/*comment*/1"), claims(",\"n\":NaN"), claims(",\"n\":01"),
        claims(",unquoted:1"), claims(",\"a\":[1,]"), claims(",\"s\":\"tab\there\""))) {
      assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), lenient), lenient);
    }
  }

  @Test
  void verify_deeplyNestedUnknownClaim_isRejectedAsInvalid() {
    String deep = "[".repeat(200) + "]".repeat(200);

    assertEquals(DpopRejections.BAD_JSON, refuseSigned(header(key), claims(",\"deep\":" + deep)));
  }

  @Test
  void verify_badUtf8_isRejectedAsInvalid() {
    byte[] header = header(key).getBytes(StandardCharsets.UTF_8);
    byte[] payload = claims(",\"note\":\"XX\"").getBytes(StandardCharsets.UTF_8);
    int at = new String(payload, StandardCharsets.UTF_8).indexOf("XX");
    byte[][] badSequences = {
        {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
        {(byte) 0xED, (byte) 0xA0}, // surrogate lead (truncated in place of XX)
        {(byte) 0xFF, (byte) 0x41}, // never valid
        {(byte) 0x80, (byte) 0x41}, // lone continuation
        {(byte) 0xE2, (byte) 0x82}, // truncated three-byte sequence
    };
    for (byte[] bad : badSequences) {
      byte[] broken = payload.clone();
      broken[at] = bad[0];
      broken[at + 1] = bad[1];
      assertEquals(DpopRejections.PAYLOAD_NOT_OBJECT, refuse(signRaw(key, header, broken)));
    }
    // UTF-16 JSON would be guessed by jackson; we insist on UTF-8.
    assertEquals(DpopRejections.HEADER_NOT_OBJECT,
        refuse(signRaw(key, header(key).getBytes(StandardCharsets.UTF_16LE), claims("").getBytes(StandardCharsets.UTF_8))));
    // Valid non-ASCII UTF-8 in an unknown claim is fine.
    assertInstanceOf(DpopCheck.Valid.class,
        verifier.verify(signRaw(key, header(key), claims(",\"note\":\"h\u00e9llo \u2603 \uD83D\uDE00\"")), request(key)));
  }

  @Test
  void verify_badBase64_isRejectedAsInvalid() {
    String good = proof(key).build();
    String[] parts = good.split("\\.");
    String sig = parts[2];
    for (String bad : List.of(
        parts[0] + "=." + parts[1] + "." + sig,
        parts[0] + "." + parts[1] + "==." + sig,
        parts[0].replace('-', '+').replace('_', '/') + "X+/." + parts[1] + "." + sig,
        " " + good,
        good + " ",
        good + "\n",
        parts[0] + ".\u00e9" + parts[1] + "." + sig,
        parts[0] + "." + parts[1] + "." + sig.substring(0, 85) + "=",
        parts[0] + "." + parts[1] + "." + sig.substring(0, 84) + "==",
        parts[0] + "." + parts[1] + "." + sig.substring(0, 85) + "\u0100")) {
      assertEquals(Reason.POP_INVALID, refuse(bad).reason(), bad);
    }
  }

  @Test
  void verify_nonCanonicalBase64_isRejectedAsInvalid() {
    String good = proof(key).build();
    String[] parts = good.split("\\.");
    // Flip the unused low bits of the last character of the signature: same bytes, second spelling.
    char last = parts[2].charAt(85);
    int v = B64URL.indexOf(last);
    String respelled = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 85) + B64URL.charAt(v ^ 1);

    assertEquals(DpopRejections.BAD_SIG_B64, refuse(respelled));
  }

  @Test
  void verify_wrongNumberOfSegments_isRejectedAsInvalid() {
    String good = proof(key).build();
    String[] parts = good.split("\\.");
    for (String bad : List.of("", ".", "..", "...", parts[0], parts[0] + "." + parts[1], good + ".", good + "." + parts[2],
        "." + parts[1] + "." + parts[2], parts[0] + ".." + parts[2])) {
      assertEquals(Reason.POP_INVALID, refuse(bad).reason(), bad);
    }
  }

  @Test
  void verify_bitFlipInEverySegmentPosition_isRejected() {
    String good = proof(key).build();
    for (int i = 0; i < good.length(); i++) {
      char c = good.charAt(i);
      if (c == '.') {
        continue;
      }
      char other = B64URL.charAt((B64URL.indexOf(c) + 1 + i % 63) % 64);
      refuse(good.substring(0, i) + other + good.substring(i + 1));
    }
  }

  @Test
  void verify_everyTruncation_isRejected() {
    String good = proof(key).build();
    for (int n = 0; n < good.length(); n++) {
      refuse(good.substring(0, n));
      refuse(good.substring(n + 1));
    }
  }

  @Test
  void verify_oversizedProof_isRejectedBeforeParsing() {
    String big = signRaw(key, header(key), claims(",\"pad\":\"" + "p".repeat(4000) + "\""));

    assertEquals(DpopRejections.TOO_LARGE, refuse(big));
    assertEquals(DpopRejections.TOO_LARGE, refuse("x".repeat(1 << 20)));
  }

  @Test
  void verify_segmentsSwappedOrSpliced_isRejected() {
    String a = proof(key).jti("a").build();
    String b = proof(key).jti("b").method("GET").build();
    String[] pa = a.split("\\.");
    String[] pb = b.split("\\.");

    assertEquals(DpopRejections.BAD_SIGNATURE, refuse(pa[0] + "." + pb[1] + "." + pa[2]));
    refuse(pa[1] + "." + pa[0] + "." + pa[2]);
    refuse(pa[0] + "." + pa[1] + "." + pb[2]);
  }

  @Test
  void verify_signatureFromAnotherKeyWithHeaderOfHolder_isRejectedAsBadSignature() {
    // The attacker names the holder's public key in the header but signs with their own.
    String forged = signRaw(key(2), header(key), claims(""));

    assertEquals(DpopRejections.BAD_SIGNATURE, refuse(forged));
  }

  @Test
  void verify_randomText_isRejected() {
    Random random = new Random(20260115L);
    String alphabet = B64URL + ".=+/ {}\"\\\u00e9\u2603\u0000";
    for (int i = 0; i < 2000; i++) {
      int len = random.nextInt(600);
      StringBuilder sb = new StringBuilder(len);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      refuse(sb.toString());
    }
  }

  @Test
  void verify_randomMutationsOfAValidProof_areRejectedNeverThrown() {
    Random random = new Random(9449L);
    String good = proof(key).build();
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder(good);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits && sb.length() > 0; e++) {
        int at = random.nextInt(sb.length());
        switch (random.nextInt(5)) {
          case 0:
            sb.setCharAt(at, B64URL.charAt(random.nextInt(64)));
            break;
          case 1:
            sb.deleteCharAt(at);
            break;
          case 2:
            sb.insert(at, B64URL.charAt(random.nextInt(64)));
            break;
          case 3:
            sb.insert(at, '.');
            break;
          default:
            sb.setCharAt(at, (char) random.nextInt(0x3000));
            break;
        }
      }
      String mutated = sb.toString();
      if (mutated.equals(good)) {
        continue;
      }
      refuse(mutated);
    }
  }

  @Test
  void verify_randomSignedJson_neverThrows() {
    // Mutate the JSON itself and sign the result, so the parser (not the signature) is what gets fuzzed.
    Random random = new Random(7638L);
    String header = header(key);
    String payload = claims(",\"extra\":{\"list\":[1,2.5,true,null,\"s\"]}");
    String noise = "{}[]\":,\\ 0123456789eE.-+tfnul\u00e9\u0000\u001f";
    for (int i = 0; i < 3000; i++) {
      boolean inHeader = random.nextBoolean();
      StringBuilder sb = new StringBuilder(inHeader ? header : payload);
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(sb.length());
        if (random.nextBoolean()) {
          sb.setCharAt(at, noise.charAt(random.nextInt(noise.length())));
        } else {
          sb.insert(at, noise.charAt(random.nextInt(noise.length())));
        }
      }
      String h = inHeader ? sb.toString() : header;
      String p = inHeader ? payload : sb.toString();
      DpopCheck check;
      try {
        check = verifier.verify(signRaw(key, h, p), request(key));
      } catch (RuntimeException ex) {
        throw new AssertionError("verify threw for header " + h + " payload " + p, ex);
      }
      if (check == DpopRejections.INTERNAL) {
        fail("catch-all reached for header " + h + " payload " + p);
      }
    }
  }

  private static String removeMember(String json, String name) {
    int start = json.indexOf("\"" + name + "\":");
    int end = start + name.length() + 3;
    if (json.charAt(end) == '"') {
      end = json.indexOf('"', end + 1) + 1;
    } else {
      while (json.charAt(end) != ',' && json.charAt(end) != '}') {
        end++;
      }
    }
    if (json.charAt(end) == ',') {
      end++;
    } else if (json.charAt(start - 1) == ',') {
      start--;
    }
    return json.substring(0, start) + json.substring(end);
  }
}
