package dev.ephyr.protocol.macaroon;

import static dev.ephyr.protocol.testing.V2Writer.IDENTIFIER;
import static dev.ephyr.protocol.testing.V2Writer.LOCATION;
import static dev.ephyr.protocol.testing.V2Writer.SIGNATURE;
import static dev.ephyr.protocol.testing.V2Writer.VID;
import static dev.ephyr.protocol.testing.V2Writer.v2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.testing.V2Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The V2 binary codec: round trips, every structural rejection with its reason, and the size limits. */
class MacaroonV2Test {
  static final String ID = "e1/k1/01JDQ4Y3ZK8M2N5P7R9S0T1V2W";

  static Reason reasonOf(byte[] b) {
    try {
      MacaroonV2.parse(b, 0, b.length);
    } catch (MacaroonFormatException e) {
      if (e.reason() == null || e.getMessage() == null || e.getMessage().isEmpty()) {
        fail("rejection without reason or message");
      }
      return e.reason();
    } catch (RuntimeException e) {
      throw new AssertionError("parser threw " + e + " for " + Arrays.toString(b), e);
    }
    return null;
  }

  static void assertMalformed(byte[] b) {
    assertEquals(Reason.MALFORMED, reasonOf(b), () -> "expected MALFORMED for " + Arrays.toString(b));
  }

  static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  @Test
  void parse_wellFormed_roundTripsByteForByte() throws Exception {
    byte[] b = V2Writer.wellFormed("ephyr", ID, "targets = web", "expires < 1767225600");
    Macaroon m = Macaroon.parseBinary(b);
    assertEquals("ephyr", m.location());
    assertEquals(ID, m.identifierText());
    assertEquals(2, m.caveatCount());
    assertEquals("targets = web", m.caveatText(0));
    assertArrayEquals(b, m.toBinary());
    MacaroonLayout layout = new MacaroonLayout();
    MacaroonV2.scan(b, 0, b.length, layout);
    assertEquals(2, layout.caveatCount());
    assertEquals("expires < 1767225600",
        new String(b, layout.caveatOffset(1), layout.caveatLength(1), StandardCharsets.US_ASCII));
    assertEquals(b.length - 32, layout.signatureOffset());
  }

  @Test
  void scan_atAnOffsetInsideALargerArray_readsOnlyTheSlice() throws Exception {
    byte[] inner = V2Writer.wellFormed(null, ID, "a = b");
    byte[] outer = new byte[inner.length + 10];
    System.arraycopy(inner, 0, outer, 5, inner.length);
    Arrays.fill(outer, 0, 5, (byte) 0x7f);
    Arrays.fill(outer, 5 + inner.length, outer.length, (byte) 0x7f);
    Macaroon m = MacaroonV2.parse(outer, 5, inner.length);
    assertEquals("a = b", m.caveatText(0));
    assertEquals(Reason.MALFORMED, assertThrows(MacaroonFormatException.class,
        () -> MacaroonV2.parse(outer, 5, inner.length + 1)).reason()); // trailing byte
  }

  @Test
  void randomMacaroons_roundTrip() throws Exception {
    Random r = new Random(42);
    for (int n = 0; n < 500; n++) {
      byte[] id = randomBytes(r, 1 + r.nextInt(MacaroonV2.MAX_IDENTIFIER_BYTES));
      List<byte[]> caveats = new ArrayList<>();
      int count = r.nextInt(12);
      for (int i = 0; i < count; i++) {
        caveats.add(randomBytes(r, 1 + r.nextInt(r.nextBoolean() ? 40 : MacaroonV2.MAX_CAVEAT_BYTES)));
      }
      byte[] sig = randomBytes(r, 32);
      Macaroon m = Macaroon.of(r.nextBoolean() ? null : "loc" + n, id, caveats, sig);
      Macaroon back = Macaroon.parseText(m.toText());
      assertTrue(back.sameAs(m), "case " + n);
      assertArrayEquals(m.toBinary(), back.toBinary(), "case " + n);
      assertEquals(m.toText(), back.toText(), "case " + n);
    }
  }

  static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  @Test
  void parse_emptyOrWrongVersion_isMalformed() {
    assertMalformed(new byte[0]);
    assertMalformed(new byte[] {1});
    assertMalformed(new byte[] {2});
    byte[] b = V2Writer.wellFormed(null, ID);
    b[0] = 1;
    assertMalformed(b);
    b[0] = '0'; // V1 binary starts with an ASCII hex digit
    assertMalformed(b);
  }

  @Test
  void parse_headerFieldsOutOfOrder_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).field(LOCATION, "ephyr").eos().eos().signature(1).bytes());
  }

  @Test
  void parse_duplicateHeaderFields_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).field(IDENTIFIER, ID).eos().eos().signature(1).bytes());
    assertMalformed(v2().field(LOCATION, "a").field(LOCATION, "b").field(IDENTIFIER, ID).eos().eos()
        .signature(1).bytes());
  }

  @Test
  void parse_missingOrEmptyIdentifier_isMalformed() {
    assertMalformed(v2().eos().eos().signature(1).bytes());
    assertMalformed(v2().field(LOCATION, "x").eos().eos().signature(1).bytes());
    assertMalformed(v2().field(IDENTIFIER, new byte[0]).eos().eos().signature(1).bytes());
  }

  @Test
  void parse_vidInHeader_isRejected() {
    assertMalformed(v2().field(IDENTIFIER, ID).field(VID, "v").eos().eos().signature(1).bytes());
  }

  @Test
  void parse_caveatFieldsDuplicatedOrOutOfOrder_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(IDENTIFIER, "a = b").field(IDENTIFIER, "c = d").eos()
        .eos().signature(1).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(VID, "v").field(IDENTIFIER, "a = b").eos()
        .eos().signature(1).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(3, "x").eos().eos().signature(1).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(IDENTIFIER, "a = b").field(5, "x").eos()
        .eos().signature(1).bytes());
  }

  @Test
  void parse_emptyCaveat_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(IDENTIFIER, new byte[0]).eos().eos().signature(1).bytes());
  }

  @Test
  void parse_thirdPartyCaveatWithVid_isUnsupported() {
    byte[] b = v2().field(IDENTIFIER, ID).eos().field(IDENTIFIER, "cid").field(VID, new byte[72]).eos()
        .eos().signature(1).bytes();
    assertEquals(Reason.UNSUPPORTED, reasonOf(b));
  }

  @Test
  void parse_caveatWithLocation_isUnsupported() {
    assertEquals(Reason.UNSUPPORTED, reasonOf(v2().field(IDENTIFIER, ID).eos()
        .field(LOCATION, "https://auth").field(IDENTIFIER, "cid").eos().eos().signature(1).bytes()));
    assertEquals(Reason.UNSUPPORTED, reasonOf(v2().field(IDENTIFIER, ID).eos()
        .field(LOCATION, "https://auth").field(IDENTIFIER, "cid").field(VID, new byte[72]).eos().eos()
        .signature(1).bytes()));
  }

  @Test
  void parse_caveatLocationWithoutIdentifier_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).eos().field(LOCATION, "https://auth").eos().eos().signature(1).bytes());
  }

  @Test
  void parse_signatureMissingShortLongOrRepeated_isMalformed() {
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().field(SIGNATURE, new byte[31]).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().field(SIGNATURE, new byte[33]).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().signature(1).signature(1).bytes());
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().field(IDENTIFIER, new byte[32]).bytes());
    // signature where the caveat section's EOS should be
    assertMalformed(v2().field(IDENTIFIER, ID).eos().signature(1).bytes());
  }

  @Test
  void parse_trailingBytes_isMalformed() {
    byte[] good = V2Writer.wellFormed("ephyr", ID, "a = b");
    for (int extra : new int[] {0, 1, 2, 0x80}) {
      byte[] b = Arrays.copyOf(good, good.length + 1);
      b[good.length] = (byte) extra;
      assertMalformed(b);
    }
  }

  @Test
  void parse_nonMinimalVarints_areMalformed() {
    // type 2 written as 0x82 0x00
    assertMalformed(v2().raw(0x82, 0x00).varint(ID.length()).raw(ID.getBytes(StandardCharsets.US_ASCII))
        .eos().eos().signature(1).bytes());
    // identifier length written with a redundant zero group
    assertMalformed(v2().varint(IDENTIFIER).raw(0x80 | ID.length(), 0x00).raw(ID.getBytes(StandardCharsets.US_ASCII))
        .eos().eos().signature(1).bytes());
    // EOS written as 0x80 0x00
    assertMalformed(v2().field(IDENTIFIER, ID).raw(0x80, 0x00).eos().signature(1).bytes());
    // signature length 32 written in two bytes
    assertMalformed(v2().field(IDENTIFIER, ID).eos().eos().varint(SIGNATURE).raw(0xa0, 0x00).raw(new byte[32]).bytes());
  }

  @Test
  void parse_hugeVarints_areMalformedNotOverflowing() {
    assertMalformed(v2().raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).bytes());
    assertMalformed(v2().varint(IDENTIFIER).raw(0xff, 0xff, 0xff, 0xff, 0x0f).raw(new byte[40]).bytes());
    assertMalformed(v2().varint(IDENTIFIER).varint(Integer.MAX_VALUE).raw(new byte[40]).bytes());
    assertMalformed(v2().varint(128).varint(1).raw('x').bytes()); // field type 128 does not exist
    assertMalformed(v2().varint(IDENTIFIER).raw(0xff).bytes()); // varint cut off by the end
  }

  @Test
  void parse_lengthRunningPastTheEnd_isMalformed() {
    assertMalformed(v2().varint(IDENTIFIER).varint(200).raw(ID.getBytes(StandardCharsets.US_ASCII)).bytes());
  }

  @Test
  void parse_identifierAtLimit_isAccepted_andOneMore_isMalformed() {
    assertEquals(null, reasonOf(V2Writer.wellFormed(null, repeat('i', MacaroonV2.MAX_IDENTIFIER_BYTES))));
    assertMalformed(V2Writer.wellFormed(null, repeat('i', MacaroonV2.MAX_IDENTIFIER_BYTES + 1)));
  }

  @Test
  void parse_locationAtLimit_isAccepted_andOneMore_isMalformed() {
    assertEquals(null, reasonOf(V2Writer.wellFormed(repeat('l', MacaroonV2.MAX_LOCATION_BYTES), ID)));
    assertMalformed(V2Writer.wellFormed(repeat('l', MacaroonV2.MAX_LOCATION_BYTES + 1), ID));
  }

  @Test
  void parse_caveatAtLimit_isAccepted_andOneMore_isMalformed() {
    assertEquals(null, reasonOf(V2Writer.wellFormed(null, ID, repeat('c', MacaroonV2.MAX_CAVEAT_BYTES))));
    assertMalformed(V2Writer.wellFormed(null, ID, repeat('c', MacaroonV2.MAX_CAVEAT_BYTES + 1)));
  }

  @Test
  void parse_caveatCountAtLimit_isAccepted_andOneMore_isMalformed() {
    String[] max = new String[MacaroonV2.MAX_CAVEATS];
    Arrays.fill(max, "a = b");
    assertEquals(null, reasonOf(V2Writer.wellFormed(null, ID, max)));
    String[] over = Arrays.copyOf(max, MacaroonV2.MAX_CAVEATS + 1);
    over[MacaroonV2.MAX_CAVEATS] = "a = b";
    assertMalformed(V2Writer.wellFormed(null, ID, over));
  }

  @Test
  void parse_tokenAtByteLimit_isAccepted_andOneMore_isMalformed() {
    // Fill to exactly MAX_BYTES with 1000-byte caveats and one caveat sized to land on the limit.
    List<String> caveats = new ArrayList<>();
    while (V2Writer.wellFormed(null, ID, caveats.toArray(new String[0])).length + 1003 < MacaroonV2.MAX_BYTES) {
      caveats.add(repeat('c', 1000));
    }
    int base = V2Writer.wellFormed(null, ID, caveats.toArray(new String[0])).length;
    int last = MacaroonV2.MAX_BYTES - base - 3; // 1 type + 1-2 length bytes + EOS
    caveats.add(repeat('d', last));
    byte[] exact = V2Writer.wellFormed(null, ID, caveats.toArray(new String[0]));
    if (exact.length != MacaroonV2.MAX_BYTES) {
      caveats.set(caveats.size() - 1, repeat('d', last + (MacaroonV2.MAX_BYTES - exact.length)));
      exact = V2Writer.wellFormed(null, ID, caveats.toArray(new String[0]));
    }
    assertEquals(MacaroonV2.MAX_BYTES, exact.length);
    assertEquals(null, reasonOf(exact));
    caveats.set(caveats.size() - 1, caveats.get(caveats.size() - 1) + "d");
    byte[] over = V2Writer.wellFormed(null, ID, caveats.toArray(new String[0]));
    assertEquals(MacaroonV2.MAX_BYTES + 1, over.length);
    assertMalformed(over);
  }

  @Test
  void serializer_refusesWhatTheParserWouldRefuse() {
    byte[] sig = new byte[32];
    byte[] id = ID.getBytes(StandardCharsets.US_ASCII);
    assertThrows(IllegalArgumentException.class, () -> Macaroon.of(null, new byte[0], List.of(), sig));
    assertThrows(IllegalArgumentException.class, () -> Macaroon.of(null, new byte[257], List.of(), sig));
    assertThrows(IllegalArgumentException.class, () -> Macaroon.of(null, id, List.of(new byte[1025]), sig));
    assertThrows(IllegalArgumentException.class, () -> Macaroon.of(null, id, List.of(new byte[0]), sig));
    assertThrows(IllegalArgumentException.class, () -> Macaroon.of(null, id, List.of(), new byte[31]));
    Macaroon m = Macaroon.of(null, id, List.of(), sig);
    assertThrows(IllegalArgumentException.class, () -> m.withCaveat(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> m.withCaveat(new byte[1025]));
    Macaroon full = m;
    for (int i = 0; i < MacaroonV2.MAX_CAVEATS; i++) {
      full = full.withCaveat("a = b");
    }
    Macaroon fullFinal = full;
    assertThrows(IllegalArgumentException.class, () -> fullFinal.withCaveat("a = b"));
    // 8 KiB: seven 1 KiB caveats fit, the eighth would not.
    Macaroon big = m;
    for (int i = 0; i < 7; i++) {
      big = big.withCaveat(repeat('x', 1024));
    }
    Macaroon tooBig = big.withCaveat(repeat('x', 1024));
    assertThrows(IllegalArgumentException.class, tooBig::toBinary);
  }

  @Test
  void macaroon_isImmutable_andToStringHidesTheSignature() throws Exception {
    byte[] sig = new byte[32];
    Arrays.fill(sig, (byte) 0xab);
    byte[] id = ID.getBytes(StandardCharsets.US_ASCII);
    byte[] caveat = "a = b".getBytes(StandardCharsets.US_ASCII);
    Macaroon m = Macaroon.of("ephyr", id, List.of(caveat), sig);
    sig[0] = 0;
    id[0] = 'x';
    caveat[0] = 'z';
    m.signature()[1] = 0;
    m.identifier()[1] = 'y';
    m.caveat(0)[1] = 'q';
    assertEquals((byte) 0xab, m.signature()[0]);
    assertEquals((byte) 0xab, m.signature()[1]);
    assertEquals(ID, m.identifierText());
    assertEquals("a = b", m.caveatText(0));
    String s = m.toString();
    assertTrue(s.contains("redacted"), s);
    assertTrue(!s.toLowerCase().contains("abab") && !s.contains("q6ur"), s);
    byte[] other = m.signature();
    assertTrue(m.signatureEquals(other));
    other[31] ^= 1;
    assertTrue(!m.signatureEquals(other));
  }

  @Test
  void sameAs_comparesEveryPart() {
    byte[] id = ID.getBytes(StandardCharsets.US_ASCII);
    Macaroon a = Macaroon.of("ephyr", id, List.of("a = b".getBytes()), new byte[32]);
    assertTrue(a.sameAs(Macaroon.of("ephyr", id, List.of("a = b".getBytes()), new byte[32])));
    assertTrue(!a.sameAs(Macaroon.of("other", id, List.of("a = b".getBytes()), new byte[32])));
    assertTrue(!a.sameAs(Macaroon.of("ephyr", id, List.of("a = c".getBytes()), new byte[32])));
    assertTrue(!a.sameAs(Macaroon.of("ephyr", id, List.of(), new byte[32])));
    byte[] sig = new byte[32];
    sig[31] = 1;
    assertTrue(!a.sameAs(Macaroon.of("ephyr", id, List.of("a = b".getBytes()), sig)));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void randomBytes_parseOnlyEverFailsWithMacaroonFormatException(int seed) {
    Random r = new Random(seed);
    for (int n = 0; n < 20_000; n++) {
      int len = r.nextInt(120);
      byte[] b = randomBytes(r, len);
      if (len > 0 && r.nextBoolean()) {
        b[0] = 2;
      }
      final int c = n;
      try {
        MacaroonV2.parse(b, 0, b.length);
      } catch (MacaroonFormatException e) {
        assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.UNSUPPORTED, "seed " + seed + " case " + c);
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " case " + c + ": " + Arrays.toString(b), e);
      }
    }
  }

  @Test
  void mutatedValidEncodings_parseOnlyEverFailsWithMacaroonFormatException() {
    Random r = new Random(99);
    byte[] base = V2Writer.wellFormed("ephyr", ID, "targets = web", "expires < 1767225600", "x = y");
    for (int n = 0; n < 50_000; n++) {
      byte[] b = base.clone();
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? r.nextInt(8) : r.nextInt(256));
      }
      try {
        MacaroonV2.parse(b, 0, b.length);
      } catch (MacaroonFormatException e) {
        assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.UNSUPPORTED, "case " + n);
      } catch (RuntimeException e) {
        throw new AssertionError("case " + n + ": " + Arrays.toString(b), e);
      }
    }
  }
}
