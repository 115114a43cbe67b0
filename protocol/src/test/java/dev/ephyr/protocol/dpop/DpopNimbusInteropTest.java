package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.BODY;
import static dev.ephyr.protocol.dpop.Fixtures.NOW;
import static dev.ephyr.protocol.dpop.Fixtures.TOKEN;
import static dev.ephyr.protocol.dpop.Fixtures.URL;
import static dev.ephyr.protocol.dpop.Fixtures.sha256;
import static dev.ephyr.protocol.dpop.Fixtures.verifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.Reason;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** Proofs cross between us and an independent JOSE library (nimbus-jose-jwt, signing through Tink). */
class DpopNimbusInteropTest {
  private final DpopVerifier verifier = verifier();

  private static String nimbusProof(OctetKeyPair okp, String method, String url, Instant iat, String token, byte[] body)
      throws Exception {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA)
        .type(new JOSEObjectType("dpop+jwt"))
        .jwk(okp.toPublicJWK())
        .build();
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .jwtID("nimbus-" + iat.getEpochSecond())
        .claim("htm", method)
        .claim("htu", url)
        .issueTime(Date.from(iat))
        .claim("ath", sha256(token));
    if (body != null) {
      claims.claim("bh", sha256(body));
    }
    SignedJWT jwt = new SignedJWT(header, claims.build());
    jwt.sign(new Ed25519Signer(okp));
    return jwt.serialize();
  }

  @Test
  void verify_proofSignedByNimbus_isValid() throws Exception {
    OctetKeyPair okp = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    String expectedJkt = okp.computeThumbprint().toString();

    String proof = nimbusProof(okp, "POST", URL, NOW, TOKEN, BODY);
    DpopCheck check = verifier.verify(proof, new DpopRequest("POST", URL, TOKEN, BODY, expectedJkt));

    DpopCheck.Valid valid = assertInstanceOf(DpopCheck.Valid.class, check);
    assertEquals(expectedJkt, valid.jkt());
    assertEquals("nimbus-" + NOW.getEpochSecond(), valid.jti());
  }

  @Test
  void verify_proofSignedByNimbus_forAnotherRequest_isRejectedWithTheRightReason() throws Exception {
    OctetKeyPair okp = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    String jkt = okp.computeThumbprint().toString();
    DpopRequest request = new DpopRequest("POST", URL, TOKEN, BODY, jkt);

    assertEquals(Reason.POP_METHOD_MISMATCH, reason(nimbusProof(okp, "GET", URL, NOW, TOKEN, BODY), request));
    assertEquals(Reason.POP_URL_MISMATCH, reason(nimbusProof(okp, "POST", URL + "/x", NOW, TOKEN, BODY), request));
    assertEquals(Reason.POP_STALE, reason(nimbusProof(okp, "POST", URL, NOW.minusSeconds(3600), TOKEN, BODY), request));
    assertEquals(Reason.POP_TOKEN_MISMATCH, reason(nimbusProof(okp, "POST", URL, NOW, "other", BODY), request));
    assertEquals(Reason.POP_BODY_MISMATCH, reason(nimbusProof(okp, "POST", URL, NOW, TOKEN, new byte[] {1}), request));
    assertEquals(Reason.POP_KEY_MISMATCH, reason(nimbusProof(okp, "POST", URL, NOW, TOKEN, BODY),
        new DpopRequest("POST", URL, TOKEN, BODY, Fixtures.key(1).jkt())));
  }

  private Reason reason(String proof, DpopRequest request) {
    return assertInstanceOf(DpopCheck.Invalid.class, verifier.verify(proof, request)).reason();
  }

  @Test
  void thumbprint_matchesNimbus() throws Exception {
    for (int i = 0; i < 20; i++) {
      OctetKeyPair okp = new OctetKeyPairGenerator(Curve.Ed25519).generate();

      assertEquals(okp.computeThumbprint().toString(), Jwk.thumbprintOfEd25519(okp.getDecodedX()));
      assertEquals(okp.computeThumbprint().toString(), HolderPublicKey.fromJwkX(okp.getX().toString()).jkt());
    }
  }

  @Test
  void build_proofVerifiesWithNimbus() throws Exception {
    HolderKeyPair key = Fixtures.randomKey();
    String proof = DpopProofBuilder.forKey(key).method("POST").url(URL + "?q=1#f").accessToken(TOKEN).body(BODY)
        .issuedAt(NOW).jti("ours-1").nonce("n-1").build();

    SignedJWT jwt = SignedJWT.parse(proof);
    OctetKeyPair jwk = (OctetKeyPair) jwt.getHeader().getJWK();

    assertEquals(JWSAlgorithm.EdDSA, jwt.getHeader().getAlgorithm());
    assertEquals(new JOSEObjectType("dpop+jwt"), jwt.getHeader().getType());
    assertFalse(jwk.isPrivate());
    assertEquals(Curve.Ed25519, jwk.getCurve());
    assertEquals(key.jkt(), jwk.computeThumbprint().toString());
    assertTrue(jwt.verify(new Ed25519Verifier(jwk)));
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertEquals("ours-1", claims.getJWTID());
    assertEquals("POST", claims.getStringClaim("htm"));
    assertEquals(URL, claims.getStringClaim("htu"), "query and fragment are dropped");
    assertEquals(Date.from(NOW), claims.getIssueTime());
    assertEquals(sha256(TOKEN), claims.getStringClaim("ath"));
    assertEquals(sha256(BODY), claims.getStringClaim("bh"));
    assertEquals("n-1", claims.getStringClaim("nonce"));
  }

  @Test
  void build_proofWithoutBody_hasNoBodyHash_andVerifiesWithNimbus() throws Exception {
    HolderKeyPair key = Fixtures.key(3);
    String proof = DpopProofBuilder.forKey(key).method("GET").url(URL).accessToken(TOKEN).issuedAt(NOW).build();

    SignedJWT jwt = SignedJWT.parse(proof);

    assertTrue(jwt.verify(new Ed25519Verifier((OctetKeyPair) jwt.getHeader().getJWK())));
    assertNull(jwt.getJWTClaimsSet().getClaim("bh"));
    assertEquals(22, jwt.getJWTClaimsSet().getJWTID().length(), "128 random bits in base64url");
  }

  @Test
  void keys_fromTheSameSeed_signIdentically() throws Exception {
    // Ed25519 is deterministic, so nimbus/Tink and BouncyCastle must produce the same JWS for the same seed.
    HolderKeyPair ours = Fixtures.key(4);
    OctetKeyPair theirs = new OctetKeyPair.Builder(Curve.Ed25519, new Base64URL(ours.publicKey().x()))
        .d(Base64URL.encode(ours.seedForStorage(InsecureSecretAccess.get())))
        .build();

    String nimbus = nimbusProof(theirs, "POST", URL, NOW, TOKEN, BODY);
    DpopCheck check = verifier.verify(nimbus, Fixtures.request(ours));

    assertInstanceOf(DpopCheck.Valid.class, check);
    String[] parts = nimbus.split("\\.");
    byte[] input = (parts[0] + "." + parts[1]).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertEquals(parts[2], Fixtures.b64(ours.sign(input, 0, input.length)));
  }
}
