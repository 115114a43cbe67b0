package dev.ephyr.protocol.fuzz;

import static dev.ephyr.protocol.testing.V2Writer.IDENTIFIER;
import static dev.ephyr.protocol.testing.V2Writer.LOCATION;
import static dev.ephyr.protocol.testing.V2Writer.SIGNATURE;
import static dev.ephyr.protocol.testing.V2Writer.VID;
import static dev.ephyr.protocol.testing.V2Writer.v2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.BrokerFacts;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.macaroon.MacaroonText;
import dev.ephyr.protocol.macaroon.MacaroonV2;
import dev.ephyr.protocol.macaroon.RootKey;
import dev.ephyr.protocol.testing.TokenKit;
import dev.ephyr.protocol.testing.V2Writer;
import dev.ephyr.protocol.verify.Verification;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input at the verifier's door: every case yields {@link Verification.Rejected} with a specific
 * {@link Reason} (or at least a reason, for random input) and never an exception.
 */
class MalformedTokenTest {
  final TokenKit kit = new TokenKit(1);
  final String token = kit.mintRoot(TokenKit.wide());

  Reason reason(String text) {
    Verification v = kit.verify(text);
    return v instanceof Verification.Rejected r ? r.reason() : null;
  }

  void assertRejected(Reason expected, String text) {
    Verification v = kit.verify(text);
    Verification.Rejected r = assertInstanceOf(Verification.Rejected.class, v, () -> "accepted " + TokenKit.abbreviate(text));
    assertEquals(expected, r.reason(), () -> r.auditDetail() + " for " + TokenKit.abbreviate(text));
    assertNotNull(r.auditDetail());
  }

  void assertRejected(Reason expected, byte[] binary) {
    assertRejected(expected, TokenKit.text(binary));
  }

  /** The valid token's parts re-encoded with an extra raw section spliced before the final EOS. */
  byte[] withExtraCaveatSection(V2Writer extra) {
    Macaroon m = TokenKit.parse(token);
    V2Writer w = v2().field(LOCATION, m.location()).field(IDENTIFIER, m.identifier()).eos();
    for (int i = 0; i < m.caveatCount(); i++) {
      w.field(IDENTIFIER, m.caveat(i)).eos();
    }
    w.raw(extra.bytes());
    return w.eos().field(SIGNATURE, m.signature()).bytes();
  }

  @Test
  void validToken_isAccepted_soEveryRejectionBelowIsCausedByTheMutation() {
    assertInstanceOf(Verification.Accepted.class, kit.verify(token));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void randomText_withPrefix_isRejectedWithAReason(int seed) {
    Random r = new Random(seed);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=";
    for (int n = 0; n < 5000; n++) {
      StringBuilder sb = new StringBuilder(r.nextInt(20) == 0 ? "" : "mac_");
      int len = r.nextInt(r.nextInt(50) == 0 ? 12_000 : 400);
      for (int i = 0; i < len; i++) {
        sb.append(chars.charAt(r.nextInt(chars.length())));
      }
      assertNotNull(reason(sb.toString()), "seed " + seed + " case " + n);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5, 6})
  void randomUnicodeText_isRejectedWithAReason(int seed) {
    Random r = new Random(seed);
    for (int n = 0; n < 5000; n++) {
      StringBuilder sb = new StringBuilder("mac_");
      int len = r.nextInt(60);
      for (int i = 0; i < len; i++) {
        int kind = r.nextInt(4);
        sb.appendCodePoint(kind == 0 ? 'A' + r.nextInt(26) : kind == 1 ? r.nextInt(0x80)
            : kind == 2 ? r.nextInt(0x800) : 0x10000 + r.nextInt(0x1000));
      }
      String text = sb.toString();
      assertNotNull(reason(text), "seed " + seed + " case " + n);
    }
  }

  @Test
  void textWithEmoji_isMalformed_notAnException() {
    assertRejected(Reason.MALFORMED, "mac_\uD83D\uDE00");
    assertRejected(Reason.MALFORMED, token + "\uD83D\uDE00");
  }

  @ParameterizedTest
  @ValueSource(ints = {7, 8})
  void base64OfRandomBinary_isRejectedWithAReason(int seed) {
    Random r = new Random(seed);
    for (int n = 0; n < 10_000; n++) {
      byte[] b = new byte[r.nextInt(300)];
      r.nextBytes(b);
      if (b.length > 0 && r.nextInt(3) > 0) {
        b[0] = 2;
      }
      String text = "mac_" + (r.nextBoolean() ? Base64Url.encode(b) : Base64.getEncoder().encodeToString(b));
      assertNotNull(reason(text), "seed " + seed + " case " + n);
    }
  }

  @Test
  void everyTruncationOfTheText_isMalformed() {
    for (int len = 0; len < token.length(); len++) {
      assertRejected(Reason.MALFORMED, token.substring(0, len));
    }
  }

  @Test
  void everyTruncationOfTheBinary_isMalformed() {
    byte[] b = TokenKit.binary(token);
    for (int len = 0; len < b.length; len++) {
      assertRejected(Reason.MALFORMED, java.util.Arrays.copyOf(b, len));
    }
  }

  @Test
  void everySingleBitFlip_isRejected_exceptInTheUnsignedLocation() {
    byte[] b = TokenKit.binary(token);
    Macaroon m = TokenKit.parse(token);
    int locStart = 3; // 0x02, type 1, length
    int locEnd = locStart + m.location().length();
    Set<Reason> allowed = EnumSet.of(Reason.MALFORMED, Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY, Reason.UNSUPPORTED);
    int acceptedInLocation = 0;
    for (int i = 0; i < b.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] f = b.clone();
        f[i] ^= (byte) (1 << bit);
        Reason got = reason(TokenKit.text(f));
        if (i >= locStart && i < locEnd) {
          // libmacaroons does not sign locations: a flipped location byte still verifies.
          if (got == null) {
            acceptedInLocation++;
          }
          continue;
        }
        assertNotNull(got, "flip of bit " + bit + " at byte " + i + " was accepted");
        assertTrue(allowed.contains(got), "byte " + i + " bit " + bit + ": " + got);
        if (i >= b.length - 32) {
          assertEquals(Reason.BAD_SIGNATURE, got, "signature byte " + i);
        }
      }
    }
    assertEquals(8 * m.location().length(), acceptedInLocation);
  }

  @Test
  void oversizedFields_areMalformed() {
    Macaroon m = TokenKit.parse(token);
    String id = m.identifierText();
    assertRejected(Reason.MALFORMED, V2Writer.wellFormed("ephyr", id + "x".repeat(MacaroonV2.MAX_IDENTIFIER_BYTES)));
    assertRejected(Reason.MALFORMED, V2Writer.wellFormed("x".repeat(MacaroonV2.MAX_LOCATION_BYTES + 1), id));
    assertRejected(Reason.MALFORMED, withExtraCaveatSection(v2dataless().field(IDENTIFIER, "targets = " + "a".repeat(1100)).eos()));
    V2Writer many = v2dataless();
    for (int i = 0; i <= MacaroonV2.MAX_CAVEATS - m.caveatCount(); i++) {
      many.field(IDENTIFIER, "targets = web").eos();
    }
    assertRejected(Reason.MALFORMED, withExtraCaveatSection(many));
    V2Writer big = v2dataless();
    for (int i = 0; i < 8; i++) {
      big.field(IDENTIFIER, "targets = " + "w".repeat(1000)).eos();
    }
    byte[] huge = withExtraCaveatSection(big);
    assertTrue(huge.length > MacaroonV2.MAX_BYTES);
    assertRejected(Reason.MALFORMED, huge);
    assertRejected(Reason.MALFORMED, "mac_" + "A".repeat(MacaroonText.MAX_CHARS));
    assertRejected(Reason.MALFORMED, "mac_" + "A".repeat(1_000_000));
  }

  /** A writer without the version byte, for splicing sections. */
  static V2Writer v2dataless() {
    return V2Writer.section();
  }

  @Test
  void exactlyMaxCaveats_isAccepted_andOneMoreCannotBeBuilt() {
    String t = token;
    while (TokenKit.parse(t).caveatCount() < MacaroonV2.MAX_CAVEATS) {
      t = TokenKit.append(t, "targets = web");
    }
    Verification.Accepted a = assertInstanceOf(Verification.Accepted.class, kit.verify(t));
    assertEquals(Set.of("web"), Set.copyOf(a.principal().envelope().targets().elements()));
  }

  @Test
  void wrongFieldOrderAndDuplicates_areMalformed() {
    Macaroon m = TokenKit.parse(token);
    byte[] id = m.identifier();
    assertRejected(Reason.MALFORMED, v2().field(IDENTIFIER, id).field(LOCATION, "ephyr").eos().eos().field(SIGNATURE, m.signature()).bytes());
    assertRejected(Reason.MALFORMED, v2().field(IDENTIFIER, id).field(IDENTIFIER, id).eos().eos().field(SIGNATURE, m.signature()).bytes());
    assertRejected(Reason.MALFORMED, withExtraCaveatSection(v2dataless().field(IDENTIFIER, "targets = web").field(IDENTIFIER, "targets = db").eos()));
    assertRejected(Reason.MALFORMED, withExtraCaveatSection(v2dataless().field(VID, "v").field(IDENTIFIER, "targets = web").eos()));
    byte[] twoSigs = TokenKit.binary(token);
    byte[] doubled = java.util.Arrays.copyOf(twoSigs, twoSigs.length + 34);
    System.arraycopy(twoSigs, twoSigs.length - 34, doubled, twoSigs.length, 34);
    assertRejected(Reason.MALFORMED, doubled);
  }

  @Test
  void thirdPartyCaveats_areUnsupported() {
    assertRejected(Reason.UNSUPPORTED, withExtraCaveatSection(v2dataless().field(IDENTIFIER, "cid").field(VID, new byte[72]).eos()));
    assertRejected(Reason.UNSUPPORTED, withExtraCaveatSection(v2dataless().field(LOCATION, "https://auth.example").field(IDENTIFIER, "cid").eos()));
    assertRejected(Reason.UNSUPPORTED, withExtraCaveatSection(v2dataless().field(LOCATION, "https://auth.example").field(IDENTIFIER, "cid").field(VID, new byte[72]).eos()));
  }

  @Test
  void nonMinimalVarints_andTrailingBytes_areMalformed() {
    byte[] b = TokenKit.binary(token);
    // The location field's length (5) written as 0x85 0x00.
    byte[] nonMinimal = new byte[b.length + 1];
    nonMinimal[0] = b[0];
    nonMinimal[1] = b[1];
    nonMinimal[2] = (byte) (b[2] | 0x80);
    nonMinimal[3] = 0;
    System.arraycopy(b, 3, nonMinimal, 4, b.length - 3);
    assertRejected(Reason.MALFORMED, nonMinimal);
    for (int extra : new int[] {0, 2, 6, 0xff}) {
      byte[] t = java.util.Arrays.copyOf(b, b.length + 1);
      t[b.length] = (byte) extra;
      assertRejected(Reason.MALFORMED, t);
    }
    assertRejected(Reason.MALFORMED, token + "AAAA");
  }

  @Test
  void badBase64_isMalformed() {
    String body = token.substring(4);
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 10) + "!" + body.substring(11));
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 10) + "." + body.substring(11));
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 10) + " " + body.substring(10));
    assertRejected(Reason.MALFORMED, token + "\n");
    assertRejected(Reason.MALFORMED, token + " ");
    assertRejected(Reason.MALFORMED, "mac_ " + body);
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 10) + "\t" + body.substring(10));
    assertRejected(Reason.MALFORMED, token + "===");
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 8) + "=" + body.substring(8));
    assertRejected(Reason.MALFORMED, "mac_=" + body);
    assertRejected(Reason.MALFORMED, "mac_" + body.substring(0, 10) + "\u00e9" + body.substring(11));
    int pad = (4 - body.length() % 4) % 4;
    if (pad > 0) {
      assertInstanceOf(Verification.Accepted.class, kit.verify(token + "=".repeat(pad)));
      assertRejected(Reason.MALFORMED, token + "=".repeat(pad + 1));
    }
  }

  @Test
  void mixedAlphabets_areMalformed_whileEachAlphabetAloneIsAccepted() {
    // Find a token whose text holds both a url-only character and another url-only character.
    String t = token;
    for (int i = 0; i < 200 && (count(t.substring(4), '-') + count(t.substring(4), '_') < 2); i++) {
      t = TokenKit.append(t, "targets = web");
    }
    String body = t.substring(4);
    assertTrue(count(body, '-') + count(body, '_') >= 2, body);
    String std = body.replace('-', '+').replace('_', '/');
    assertInstanceOf(Verification.Accepted.class, kit.verify("mac_" + std));
    assertInstanceOf(Verification.Accepted.class, kit.verify("mac_" + body));
    int first = firstUrlChar(body);
    String mixed = body.substring(0, first) + (body.charAt(first) == '-' ? '+' : '/') + body.substring(first + 1);
    assertRejected(Reason.MALFORMED, "mac_" + mixed);
  }

  static int count(String s, char c) {
    return (int) s.chars().filter(x -> x == c).count();
  }

  static int firstUrlChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '-' || s.charAt(i) == '_') {
        return i;
      }
    }
    return -1;
  }

  @Test
  void nonZeroUnusedBits_areMalformed() {
    String t = token;
    while ((t.length() - 4) % 4 == 0) {
      t = TokenKit.append(t, "targets = web");
    }
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = t.charAt(t.length() - 1);
    String spoiled = t.substring(0, t.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1);
    assertInstanceOf(Verification.Accepted.class, kit.verify(t));
    assertRejected(Reason.MALFORMED, spoiled);
  }

  @Test
  void nonAsciiOrBadUtf8Caveats_areInvalidCaveat() {
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, new byte[] {(byte) 0xff, (byte) 0xfe}));
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, new byte[] {'t', 'a', 'r', (byte) 0xc0, (byte) 0x80}));
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, "targets = w\u00e9b"));
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, "targets = web\u0000"));
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, "targets = web\n"));
    assertRejected(Reason.INVALID_CAVEAT, TokenKit.append(token, "t\u00e4rgets = web"));
  }

  /** A token signed correctly with the tree key of an arbitrary identifier (the test plays the broker). */
  String signedWithIdentifier(String identifier) {
    byte[] id = identifier.getBytes(StandardCharsets.UTF_8);
    RootKey key = RootKey.of(kit.keyring.rootKey("k1", id).toBytes(InsecureSecretAccess.get()));
    Macaroon m = Macaroon.create("ephyr", id, key);
    Macaroon ref = TokenKit.parse(token);
    for (int i = 0; i < ref.caveatCount(); i++) {
      m = m.withCaveat(ref.caveat(i));
    }
    return m.toText();
  }

  @Test
  void wrongIdentifiers_areMalformed() {
    String root = TokenKit.parse(token).identifierText().substring(6);
    for (String id : new String[] {"e2/k1/" + root, "E1/k1/" + root, "e1/k!/" + root, "e1//" + root,
        "e1/" + "k".repeat(33) + "/" + root, "e1/k1/" + root.toLowerCase(), "e1/k1/8" + root.substring(1),
        "e1/k1/" + root.substring(1), "e1/k1/" + root + "0", "e1/k1/" + root.substring(0, 25) + "U", "e1/k1",
        "e1/k1/" + root + "/x", "e1/k\u00e9/" + root, "we used our secret key"}) {
      assertRejected(Reason.MALFORMED, signedWithIdentifier(id));
    }
  }

  @Test
  void unknownKid_isUnknownKey() {
    String root = TokenKit.parse(token).identifierText().substring(6);
    Macaroon m = TokenKit.parse(token);
    List<byte[]> caveats = new ArrayList<>();
    for (int i = 0; i < m.caveatCount(); i++) {
      caveats.add(m.caveat(i));
    }
    assertRejected(Reason.UNKNOWN_KEY, Macaroon.of("ephyr", ("e1/k9/" + root).getBytes(StandardCharsets.US_ASCII), caveats, m.signature()).toText());
    // A token from another cluster's keyring with the same kid is a bad signature, with another kid unknown.
    TokenKit other = new TokenKit(Keyring.generate("k1", TokenKit.deterministic(999)), 1);
    assertRejected(Reason.BAD_SIGNATURE, other.mintRoot(TokenKit.wide()));
    TokenKit otherKid = new TokenKit(Keyring.generate("zz", TokenKit.deterministic(999)), 1);
    assertRejected(Reason.UNKNOWN_KEY, otherKid.mintRoot(TokenKit.wide()));
  }

  @Test
  void retiredKid_isUnknownKey_andRotationKeepsOldTokensValid() {
    Keyring rotated = kit.keyring.rotate("k2", TokenKit.deterministic(2));
    TokenKit after = new TokenKit(rotated, 2);
    assertInstanceOf(Verification.Accepted.class, after.verify(token));
    String fresh = after.mintRoot(TokenKit.wide());
    assertTrue(TokenKit.parse(fresh).identifierText().startsWith("e1/k2/"));
    TokenKit retired = new TokenKit(rotated.retire("k1"), 3);
    assertInstanceOf(Verification.Accepted.class, retired.verify(fresh));
    assertEquals(Reason.UNKNOWN_KEY, ((Verification.Rejected) retired.verify(token)).reason());
  }

  @Test
  void firstTaskFactNamingAnotherTask_isBadLineage() {
    String other = kit.newTask();
    String root = TokenKit.parse(token).identifierText().substring(6);
    byte[] id = ("e1/k1/" + root).getBytes(StandardCharsets.US_ASCII);
    Macaroon m = Macaroon.create("ephyr", id, kit.keyring.rootKey("k1", id));
    String t = kit.appendFact(m.toText(), BrokerFacts.taskBody(other, 0, "claude", "urn:ephyr:agent:claude", null, null));
    for (var r : TokenKit.wide().restrictions()) {
      t = TokenKit.append(t, r.render());
    }
    assertRejected(Reason.BAD_LINEAGE, t);
  }

  @Test
  void restrictionBeforeTheRootFact_orNoFactAtAll_isBadLineage() {
    String root = TokenKit.parse(token).identifierText().substring(6);
    byte[] id = ("e1/k1/" + root).getBytes(StandardCharsets.US_ASCII);
    String bare = Macaroon.create("ephyr", id, kit.keyring.rootKey("k1", id)).toText();
    assertRejected(Reason.BAD_LINEAGE, bare);
    String t = bare;
    for (var r : TokenKit.wide().restrictions()) {
      t = TokenKit.append(t, r.render());
    }
    assertRejected(Reason.BAD_LINEAGE, t);
  }

  @Test
  void noExpiry_orExpired_isExpired() {
    String root = TokenKit.parse(token).identifierText().substring(6);
    byte[] id = ("e1/k1/" + root).getBytes(StandardCharsets.US_ASCII);
    String t = kit.appendFact(Macaroon.create("ephyr", id, kit.keyring.rootKey("k1", id)).toText(),
        BrokerFacts.taskBody(root, 0, "claude", "urn:ephyr:agent:claude", null, null));
    t = TokenKit.append(t, "targets = web");
    assertRejected(Reason.EXPIRED, t);
    long now = TokenKit.NOW.getEpochSecond();
    assertRejected(Reason.EXPIRED, TokenKit.append(token, "expires < " + now));
    assertInstanceOf(Verification.Accepted.class, kit.verify(TokenKit.append(token, "expires < " + (now + 1))));
    Envelope past = Envelope.builder().expiresAt(now - 1).build();
    assertRejected(Reason.EXPIRED, kit.mintRoot(past));
  }

  @Test
  void emptyAndNullishText_isMalformed() {
    assertRejected(Reason.MALFORMED, "");
    assertRejected(Reason.MALFORMED, "mac_");
    assertRejected(Reason.MALFORMED, "mac");
    assertRejected(Reason.MALFORMED, "Bearer " + token);
  }
}
