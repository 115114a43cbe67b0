package dev.ephyr.protocol.dpop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

/** Shared test data: fixed clock, fixed keys, and a raw JWS assembler for proofs no honest builder makes. */
final class Fixtures {
  static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String URL = "https://broker.example/mcp";
  static final String TOKEN = "ephyr_v2_AgEOYnJva2VyLmV4YW1wbGUCEDAxSkc5WjBNUDdRM0ZDAAYgE2ZhMjQ";
  static final byte[] BODY = "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"id\":7}".getBytes(StandardCharsets.UTF_8);

  private Fixtures() {}

  /** A deterministic key pair, so failures reproduce. */
  static HolderKeyPair key(int n) {
    byte[] seed = new byte[32];
    seed[0] = (byte) n;
    seed[31] = 0x5a;
    return HolderKeyPair.fromSeed(seed);
  }

  static HolderKeyPair randomKey() {
    return HolderKeyPair.generate(new SecureRandom());
  }

  static DpopVerifier verifier() {
    return DpopVerifier.builder().clock(CLOCK).build();
  }

  static DpopProofBuilder proof(HolderKeyPair key) {
    return DpopProofBuilder.forKey(key).method("POST").url(URL).accessToken(TOKEN).body(BODY).issuedAt(NOW);
  }

  static DpopRequest request(HolderKeyPair key) {
    return new DpopRequest("POST", URL, TOKEN, BODY, key.jkt());
  }

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String b64(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] b) {
    try {
      return b64(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static String sha256(String s) {
    return sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static String header(HolderKeyPair key) {
    return "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
        + key.publicKey().x() + "\"}}";
  }

  /** Claims of a proof that is valid for {@link #request}, with {@code extra} members appended. */
  static String claims(String extra) {
    return "{\"jti\":\"j-1\",\"htm\":\"POST\",\"htu\":\"" + URL + "\",\"iat\":" + NOW.getEpochSecond()
        + ",\"ath\":\"" + sha256(TOKEN) + "\",\"bh\":\"" + sha256(BODY) + "\"" + extra + "}";
  }

  /** Signs arbitrary header and payload bytes with {@code key}: a well-signed proof of any shape. */
  static String signRaw(HolderKeyPair key, byte[] header, byte[] payload) {
    String input = b64(header) + "." + b64(payload);
    byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
    return input + "." + b64(key.sign(bytes, 0, bytes.length));
  }

  static String signRaw(HolderKeyPair key, String header, String payload) {
    return signRaw(key, header.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8));
  }
}
