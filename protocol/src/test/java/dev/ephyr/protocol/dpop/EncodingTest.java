package dev.ephyr.protocol.dpop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The strict base64url and UTF-8 checks the verifier relies on. */
class EncodingTest {
  @Test
  void b64_roundTripsAgainstTheJdk() {
    Random random = new Random(7515L);
    for (int n = 0; n < 200; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      String text = Base64.getUrlEncoder().withoutPadding().encodeToString(data);

      assertEquals(text, B64.encode(data));
      assertArrayEquals(data, B64.decode(text));
      assertArrayEquals(data, B64.decode(text.getBytes(StandardCharsets.US_ASCII), 0, text.length()));
    }
  }

  @Test
  void b64_refusesPaddingStandardAlphabetAndSecondSpellings() {
    assertNull(B64.decode("AA=="));
    assertNull(B64.decode("AA+/"));
    assertNull(B64.decode("A"));
    assertNull(B64.decode("AB")); // 'B' leaves a non-zero unused bit
    assertNull(B64.decode("AA A"));
    assertNull(B64.decode("\u00c0AAA"));
    assertNull(B64.decode(new byte[] {'A', 'A', (byte) 0xC0, 'A'}, 0, 4));
  }

  @Test
  void utf8_acceptsWellFormedText() {
    assertTrue(Utf8.isValid("{\"a\":\"h\u00e9 \u2603 \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(Utf8.isValid(new byte[0]));
    assertTrue(Utf8.isValid(new byte[] {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF})); // U+10FFFF
  }

  @Test
  void utf8_refusesOverlongSurrogatesAndOutOfRange() {
    byte[][] bad = {
        {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0x80}, {(byte) 0xC2}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xE2, (byte) 0x28, (byte) 0xA1},
    };
    for (byte[] b : bad) {
      assertFalse(Utf8.isValid(b));
    }
  }
}
