package dev.ephyr.protocol.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.internal.HmacSha256;
import dev.ephyr.protocol.macaroon.RootKey;
import dev.ephyr.protocol.testing.TokenKit;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keyring: file round trip, strict parsing with messages that never show key bytes, fingerprint, rotation. */
class KeyringTest {
  // Two recognisable keys: any leak into a message would show these texts.
  static final String KEY_A = Base64Url.encode(filled(0x11));
  static final String KEY_B = Base64Url.encode(filled(0x22));

  static byte[] filled(int v) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String file(String active, String keysBody) {
    return "{\"format\":\"ephyr-keyring/1\",\"active\":\"" + active + "\",\"keys\":{" + keysBody + "}}";
  }

  static String parseError(String text) {
    KeyringFormatException e = assertThrows(KeyringFormatException.class, () -> Keyring.parse(json(text)), text);
    String m = e.getMessage();
    assertTrue(m != null && !m.isBlank(), "empty message for " + text);
    for (String secret : List.of(KEY_A, KEY_B, KEY_A.substring(0, 12), KEY_B.substring(0, 12), "ERERER", "IiIiIi")) {
      assertFalse(m.contains(secret), "message leaks key material: " + m);
    }
    assertEquals(null, e.getCause() == null ? null : e.getCause().getMessage() == null ? null
        : (containsAnyKey(e.getCause().getMessage()) ? "leak" : null), "cause leaks key material");
    return m;
  }

  static boolean containsAnyKey(String s) {
    return s.contains(KEY_A.substring(0, 12)) || s.contains(KEY_B.substring(0, 12));
  }

  @Test
  void parse_validFile_roundTripsThroughToJson() throws Exception {
    Keyring k = Keyring.parse(json(file("a", "\"a\":\"" + KEY_A + "\",\"b\":\"" + KEY_B + "\"")));
    assertEquals("a", k.activeKid());
    assertEquals(Set.of("a", "b"), k.kids());
    assertTrue(k.contains("b"));
    Keyring back = Keyring.parse(k.toJson(InsecureSecretAccess.get()));
    assertEquals(k.fingerprint(), back.fingerprint());
    assertTrue(k.sameAs(back));
    assertTrue(new String(k.toJson(InsecureSecretAccess.get()), StandardCharsets.UTF_8).contains(KEY_A));
  }

  @Test
  void rootKey_isHmacOfMasterOverLabelAndIdentifier() throws Exception {
    Keyring k = Keyring.parse(json(file("a", "\"a\":\"" + KEY_A + "\"")));
    byte[] id = "e1/a/01JDQ4Y3ZK8M2N5P7R9S0T1V2W".getBytes(StandardCharsets.US_ASCII);
    byte[] expected = HmacSha256.mac(filled(0x11), ("ephyr/root/e1/a/01JDQ4Y3ZK8M2N5P7R9S0T1V2W").getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(expected, k.rootKey("a", id).toBytes(InsecureSecretAccess.get()));
    assertTrue(k.rootKey("a", id).sameAs(RootKey.of(expected)));
    assertThrows(IllegalArgumentException.class, () -> k.rootKey("zz", id));
    assertThrows(IllegalArgumentException.class, () -> k.hopKey("zz"));
  }

  @Test
  void hopKey_tag_isFirst16BytesOfHmacOverSignatureAndBody() throws Exception {
    Keyring k = Keyring.parse(json(file("a", "\"a\":\"" + KEY_A + "\"")));
    byte[] hop = HmacSha256.mac(filled(0x11), "ephyr/hop".getBytes(StandardCharsets.US_ASCII));
    byte[] sig = filled(0x33);
    byte[] body = "task X".getBytes(StandardCharsets.US_ASCII);
    byte[] msg = new byte[32 + body.length];
    System.arraycopy(sig, 0, msg, 0, 32);
    System.arraycopy(body, 0, msg, 32, body.length);
    byte[] full = HmacSha256.mac(hop, msg);
    assertEquals(Base64Url.encode(full, 0, 16), k.hopKey("a").tag(sig, body));
    assertEquals(22, k.hopKey("a").tag(sig, body).length());
    assertEquals("HopKey[redacted]", k.hopKey("a").toString());
  }

  @Test
  void fingerprint_equalForEqualKeyrings_differentAfterRotateOrOtherActiveOrOtherKey() throws Exception {
    Keyring a1 = Keyring.generate("k1", TokenKit.deterministic(5));
    Keyring a2 = Keyring.generate("k1", TokenKit.deterministic(5));
    assertEquals(a1.fingerprint(), a2.fingerprint());
    assertTrue(a1.fingerprint().startsWith("kf1:"));
    Keyring rotated = a1.rotate("k2", TokenKit.deterministic(6));
    assertNotEquals(a1.fingerprint(), rotated.fingerprint());
    assertEquals("k2", rotated.activeKid());
    assertEquals(Set.of("k1", "k2"), rotated.kids());
    assertNotEquals(a1.fingerprint(), Keyring.generate("k1", TokenKit.deterministic(7)).fingerprint());
    assertNotEquals(a1.fingerprint(), Keyring.generate("k9", TokenKit.deterministic(5)).fingerprint());
    Keyring ab = Keyring.parse(json(file("a", "\"a\":\"" + KEY_A + "\",\"b\":\"" + KEY_B + "\"")));
    Keyring ba = Keyring.parse(json(file("b", "\"a\":\"" + KEY_A + "\",\"b\":\"" + KEY_B + "\"")));
    assertNotEquals(ab.fingerprint(), ba.fingerprint());
    Keyring reordered = Keyring.parse(json(file("a", "\"b\":\"" + KEY_B + "\",\"a\":\"" + KEY_A + "\"")));
    assertEquals(ab.fingerprint(), reordered.fingerprint());
    // The fingerprint is not a plain hash of a key.
    assertFalse(ab.fingerprint().contains(KEY_A.substring(0, 8)));
  }

  @Test
  void retire_removesAKeyButNeverTheActiveOne() {
    Keyring k = Keyring.generate("k1", TokenKit.deterministic(1)).rotate("k2", TokenKit.deterministic(2));
    Keyring retired = k.retire("k1");
    assertEquals(Set.of("k2"), retired.kids());
    assertNotEquals(k.fingerprint(), retired.fingerprint());
    assertThrows(IllegalArgumentException.class, () -> k.retire("k2"));
    assertThrows(IllegalArgumentException.class, () -> k.retire("nope"));
    assertThrows(IllegalArgumentException.class, () -> k.rotate("k1", TokenKit.deterministic(3)));
  }

  @Test
  void generate_badKid_isRefused() {
    for (String kid : new String[] {"", "a/b", "a b", "x".repeat(33), "é", null}) {
      assertThrows(IllegalArgumentException.class, () -> Keyring.generate(kid, TokenKit.deterministic(1)), String.valueOf(kid));
    }
  }

  @Test
  void toString_showsKidsAndFingerprintButNoKeyBytes() throws Exception {
    Keyring k = Keyring.parse(json(file("a", "\"a\":\"" + KEY_A + "\"")));
    String s = k.toString();
    assertTrue(s.contains("a") && s.contains(k.fingerprint()), s);
    assertFalse(s.contains(KEY_A.substring(0, 8)), s);
    byte[] id = "e1/a/01JDQ4Y3ZK8M2N5P7R9S0T1V2W".getBytes(StandardCharsets.US_ASCII);
    assertEquals("RootKey[redacted]", k.rootKey("a", id).toString());
    assertThrows(NullPointerException.class, () -> k.toJson(null));
  }

  @Test
  void parse_everyProblem_isNamed_andNoMessageShowsKeyBytes() {
    String good = "\"a\":\"" + KEY_A + "\"";
    assertTrue(parseError("[]").contains("object"));
    assertTrue(parseError("{\"active\":\"a\",\"keys\":{" + good + "}}").contains("format"));
    assertTrue(parseError("{\"format\":\"ephyr-keyring/2\",\"active\":\"a\",\"keys\":{" + good + "}}").contains("format"));
    assertTrue(parseError(file("b", good)).contains("active"));
    assertTrue(parseError("{\"format\":\"ephyr-keyring/1\",\"keys\":{" + good + "}}").contains("active"));
    assertTrue(parseError(file("a", "")).contains("no keys"));
    assertTrue(parseError(file("a", "\"a\":\"" + KEY_A.substring(0, 40) + "\"")).contains("32 bytes"));
    assertTrue(parseError(file("a", "\"a\":\"" + KEY_A + "AAAA\"")).contains("32 bytes"));
    assertTrue(parseError(file("a", "\"a\":\"" + KEY_A.substring(0, 42) + "!\"")).contains("'a'"));
    assertTrue(parseError(file("a", "\"a\":42")).contains("string"));
    assertTrue(parseError(file("a", "\"a b\":\"" + KEY_A + "\"")).contains("key id"));
    assertTrue(parseError("{\"format\":\"ephyr-keyring/1\",\"active\":\"a\",\"keys\":[\"" + KEY_A + "\"]}").contains("keys"));
    assertTrue(parseError(file("a", good).replace("}}", "},\"extra\":1}")).contains("extra"));
    assertTrue(parseError(file("a", good) + " {}").contains("trailing"));
    assertTrue(parseError("{\"format\":\"ephyr-keyring/1\",\"active\":\"a\",\"keys\":{\"a\":\"" + KEY_A).contains("JSON"));
    assertTrue(parseError("{\"format\":\"ephyr-keyring/1\",\n\"active\":\"a\",\n\"keys\":{\"a\":\"" + KEY_A + "\" x}}").contains("line 3"));
    assertTrue(parseError("{\"format\":1}").contains("format"));
  }

  @Test
  void parse_oversizedFile_isRefusedBeforeParsing() {
    byte[] big = new byte[64 * 1024 + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    assertThrows(KeyringFormatException.class, () -> Keyring.parse(big));
  }

  @Test
  void parse_tooManyKeys_isRefused() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i <= Keyring.MAX_KEYS; i++) {
      sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"").append(KEY_A).append('"');
    }
    assertTrue(parseError(file("k1", sb.toString())).contains("at most"));
  }

  /**
   * Finding (usability): a duplicated key id — an easy copy-paste mistake in an operator-edited file —
   * is reported only as "not valid JSON (near line N)". The message should say what is wrong.
   */
  @Test
  void parse_duplicateKid_namesTheDuplicate() {
    String m = parseError(file("a", "\"a\":\"" + KEY_A + "\",\"a\":\"" + KEY_B + "\""));
    assertTrue(m.toLowerCase().contains("duplicate") || m.contains("twice") || m.contains("'a'"), m);
  }

  @Test
  void parse_acceptsPaddedOrStandardBase64Keys_likeEveryTokenInput() throws Exception {
    String std = Base64.getEncoder().encodeToString(filled(0xfb));
    Keyring k = Keyring.parse(json(file("a", "\"a\":\"" + std + "\"")));
    assertArrayEquals(Keyring.parse(json(file("a", "\"a\":\"" + Base64Url.encode(filled(0xfb)) + "\""))).toJson(InsecureSecretAccess.get()),
        k.toJson(InsecureSecretAccess.get()));
  }

  @Test
  void parse_randomGarbage_onlyEverThrowsKeyringFormatException() {
    java.util.Random r = new java.util.Random(11);
    String base = file("a", "\"a\":\"" + KEY_A + "\"");
    for (int n = 0; n < 5000; n++) {
      char[] c = base.toCharArray();
      int edits = 1 + r.nextInt(3);
      for (int e = 0; e < edits; e++) {
        String alphabet = "{}[]\":,ab1 \\\u0000\u00e9";
        c[r.nextInt(c.length)] = alphabet.charAt(r.nextInt(alphabet.length()));
      }
      String text = new String(c);
      try {
        Keyring.parse(json(text));
      } catch (KeyringFormatException e) {
        assertFalse(containsAnyKey(e.getMessage()), "case " + n + " leaks: " + e.getMessage());
      } catch (RuntimeException e) {
        throw new AssertionError("case " + n + " threw " + e + " for " + text, e);
      }
    }
  }
}
