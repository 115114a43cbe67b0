package dev.ephyr.protocol.dpop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.InsecureSecretAccess;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** HolderKeyPair, HolderPublicKey and Jwk against the RFC 8037 Appendix A vectors. */
class HolderKeysTest {
  // RFC 8037 A.1 (private key d), A.2 (public key x), A.3 (thumbprint), A.4 (JWS).
  private static final String RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
  private static final String RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
  private static final String RFC8037_JKT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
  private static final String RFC8037_JWS_INPUT = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  private static final String RFC8037_JWS_SIG =
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

  private static byte[] d() {
    return Base64.getUrlDecoder().decode(RFC8037_D);
  }

  @Test
  void fromSeed_rfc8037Vector_derivesPublicKeyAndThumbprint() {
    HolderKeyPair pair = HolderKeyPair.fromSeed(d());

    assertEquals(RFC8037_X, pair.publicKey().x());
    assertEquals(RFC8037_JKT, pair.jkt());
    assertEquals(RFC8037_JKT, pair.publicKey().jkt());
  }

  @Test
  void sign_rfc8037Vector_matchesTheRfc() {
    HolderKeyPair pair = HolderKeyPair.fromSeed(d());
    byte[] input = RFC8037_JWS_INPUT.getBytes(StandardCharsets.US_ASCII);

    assertEquals(RFC8037_JWS_SIG, Fixtures.b64(pair.sign(input, 0, input.length)));
  }

  @Test
  void thumbprintOfEd25519_rfc8037Vector() {
    assertEquals(RFC8037_JKT, Jwk.thumbprintOfEd25519(Base64.getUrlDecoder().decode(RFC8037_X)));
    assertThrows(IllegalArgumentException.class, () -> Jwk.thumbprintOfEd25519(new byte[31]));
  }

  @Test
  void fromJwkX_andFromRaw_agree() {
    HolderPublicKey a = HolderPublicKey.fromJwkX(RFC8037_X);
    HolderPublicKey b = HolderPublicKey.fromRaw(Base64.getUrlDecoder().decode(RFC8037_X));

    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(RFC8037_JKT, b.jkt());
    assertArrayEquals(Base64.getUrlDecoder().decode(RFC8037_X), a.toRaw());
    assertEquals("{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + RFC8037_X + "\"}", a.toJwkJson());
  }

  @Test
  void fromJwkX_badEncodingOrPoint_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> HolderPublicKey.fromJwkX(RFC8037_X + "="));
    assertThrows(IllegalArgumentException.class, () -> HolderPublicKey.fromJwkX(RFC8037_X.substring(1)));
    assertThrows(IllegalArgumentException.class, () -> HolderPublicKey.fromJwkX(RFC8037_X.replace('_', '/')));
    byte[] identity = new byte[32];
    identity[0] = 1;
    assertThrows(IllegalArgumentException.class, () -> HolderPublicKey.fromRaw(identity));
    assertThrows(IllegalArgumentException.class, () -> HolderPublicKey.fromRaw(new byte[33]));
  }

  @Test
  void fromRaw_copiesItsInput() {
    byte[] raw = Base64.getUrlDecoder().decode(RFC8037_X);
    HolderPublicKey key = HolderPublicKey.fromRaw(raw);

    raw[0] ^= 1;
    key.toRaw()[1] ^= 1;

    assertEquals(RFC8037_X, Fixtures.b64(key.toRaw()));
  }

  @Test
  void generate_givesDistinctKeys_thatRoundTripThroughStorage() {
    SecureRandom rnd = new SecureRandom();
    HolderKeyPair a = HolderKeyPair.generate(rnd);
    HolderKeyPair b = HolderKeyPair.generate(rnd);

    assertNotEquals(a.jkt(), b.jkt());
    HolderKeyPair restored = HolderKeyPair.fromSeed(a.seedForStorage(InsecureSecretAccess.get()));
    assertEquals(a.publicKey(), restored.publicKey());
  }

  @Test
  void fromSeed_wrongLength_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> HolderKeyPair.fromSeed(new byte[31]));
    assertThrows(NullPointerException.class, () -> HolderKeyPair.fromSeed(d()).seedForStorage(null));
  }

  @Test
  void toString_showsThumbprintOnly() {
    HolderKeyPair pair = HolderKeyPair.fromSeed(d());

    assertEquals("HolderKeyPair[jkt=" + RFC8037_JKT + ", seed=redacted]", pair.toString());
    assertEquals("HolderPublicKey[jkt=" + RFC8037_JKT + "]", pair.publicKey().toString());
    assertFalse(pair.toString().contains(RFC8037_D));
    assertTrue(DpopProofBuilder.forKey(pair).accessToken("secret-token").toString().contains("redacted"));
    assertFalse(DpopProofBuilder.forKey(pair).accessToken("secret-token").toString().contains("secret-token"));
  }
}
