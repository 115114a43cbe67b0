package dev.ephyr.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Strict base64: round trips against the JDK, every accepted spelling, every refused spelling. */
class Base64UrlTest {
  static final String URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  @Test
  void encode_matchesJdkUrlEncoderWithoutPadding_andDecodesBack() {
    Random r = new Random(1);
    for (int n = 0; n < 3000; n++) {
      byte[] b = new byte[r.nextInt(70)];
      r.nextBytes(b);
      String enc = Base64Url.encode(b);
      assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(b), enc, "case " + n);
      assertArrayEquals(b, Base64Url.decode(enc), "case " + n);
      // every other accepted spelling decodes to the same bytes
      assertArrayEquals(b, Base64Url.decode(Base64.getUrlEncoder().encodeToString(b)), "padded url, case " + n);
      assertArrayEquals(b, Base64Url.decode(Base64.getEncoder().encodeToString(b)), "padded std, case " + n);
      assertArrayEquals(b, Base64Url.decode(Base64.getEncoder().withoutPadding().encodeToString(b)), "std, case " + n);
      assertArrayEquals(b, Base64Url.decode(new StringBuilder(enc)), "CharSequence path, case " + n);
    }
  }

  @Test
  void encode_slice_encodesOnlyTheSlice() {
    byte[] b = {9, 1, 2, 3, 4, 9};
    assertEquals(Base64Url.encode(new byte[] {1, 2, 3, 4}), Base64Url.encode(b, 1, 4));
  }

  @Test
  void decode_range_decodesOnlyTheRange() {
    assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, Base64Url.decode("xx-_8yy", 2, 5));
    assertNull(Base64Url.decode("abcd", 3, 2));
    assertNull(Base64Url.decode("abcd", 0, 5));
    assertNull(Base64Url.decode("abcd", -1, 2));
  }

  @Test
  void decode_empty_isEmpty() {
    assertArrayEquals(new byte[0], Base64Url.decode(""));
  }

  static final String[] NON_CANONICAL = {
      "A", "AAAAA", // impossible lengths
      "AA=", "AAA==", "A===", "AA===", "====", "=", "AA=A", "A=AA", // bad padding
      "AA AA", " AAAA", "AAAA ", "AA\nAA", "AA\tAA", "AAAA\r\n", // whitespace
      "AA.A", "AA!A", "AA~A", "AA%A", "AA*A", "AA\u0000A", // non-alphabet
      "AA\u00e9A", "AA\u0100A", "\u00ffAAA", // non-ASCII
      "ab-+", "a_/b", "-A+A", // mixed alphabets
      "AB", "AAB", "AAAAAB", "QR", "QUJ", "QR==", "QUJ=", // non-zero unused bits
      "AA==AAAA", "AAA=AAAA", "AA-_+/AA", // padding inside, both alphabets within one group
  };

  static String[] nonCanonical() {
    return NON_CANONICAL;
  }

  @ParameterizedTest
  @MethodSource("nonCanonical")
  void decode_nonCanonical_isNull(String text) {
    assertNull(Base64Url.decode(text), () -> "accepted " + Arrays.toString(text.toCharArray()));
  }

  @Test
  void decode_everySingleCharacterSubstitution_isNullOrADifferentCanonicalString() {
    Random r = new Random(7);
    for (int n = 0; n < 200; n++) {
      byte[] b = new byte[1 + r.nextInt(30)];
      r.nextBytes(b);
      String enc = Base64Url.encode(b);
      for (int i = 0; i < enc.length(); i++) {
        for (char c = 0; c < 256; c++) {
          String mutated = enc.substring(0, i) + c + enc.substring(i + 1);
          byte[] d = Base64Url.decode(mutated);
          if (d != null) {
            // Accepted only if it re-encodes to the same text in one of the alphabets: one spelling per byte string.
            String back = Base64Url.encode(d);
            String asUrl = mutated.replace('+', '-').replace('/', '_').replaceAll("=+$", "");
            assertEquals(back, asUrl, "case " + n + " pos " + i + " char " + (int) c);
          }
        }
      }
    }
  }

  @Test
  void decode_unusedBitsZero_isTheOnlySpellingOfTheLastCharacter() {
    for (int rest = 1; rest <= 2; rest++) {
      byte[] b = new byte[rest];
      b[rest - 1] = (byte) 0x40;
      String enc = Base64Url.encode(b);
      int accepted = 0;
      for (int v = 0; v < 64; v++) {
        String mutated = enc.substring(0, enc.length() - 1) + URL.charAt(v);
        if (Base64Url.decode(mutated) != null) {
          accepted++;
        }
      }
      assertEquals(rest == 1 ? 4 : 16, accepted, "rest " + rest); // 2 or 4 significant bits in the last char
    }
  }

  @Test
  void decode_supplementaryCharacter_isNullNotAnException() {
    assertNull(Base64Url.decode("AA\uD83D\uDE00AAAA"));
    assertNull(Base64Url.decode("AAAA\uD83D\uDE00"));
  }

  @Test
  void decode_rangeAfterSupplementaryCharacter_decodesThatRange() {
    // Char indices, not Latin-1 byte indices: the pair must not shift the range by one.
    assertArrayEquals(new byte[] {0x41, 0x42, 0x43}, Base64Url.decode("\uD83D\uDE00QUJDAAAA", 2, 6));
  }

  @Test
  void decode_loneSurrogate_isNull() {
    assertNull(Base64Url.decode("AA\uD83DA"));
  }

  // Texts of 128 characters and more are decoded by a different path (the JDK's decoder first); the same
  // spellings must be accepted and refused there.
  static final String LONG_PREFIX = "QUJD".repeat(40); // 160 characters, decodes to "ABC" x 40

  @Test
  void decode_longTexts_matchJdkInEverySpelling() {
    Random r = new Random(3);
    for (int n = 0; n < 2000; n++) {
      byte[] b = new byte[90 + r.nextInt(1200)];
      r.nextBytes(b);
      String enc = Base64Url.encode(b);
      assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(b), enc, "case " + n);
      assertArrayEquals(b, Base64Url.decode(enc), "case " + n);
      assertArrayEquals(b, Base64Url.decode("mac_" + enc, 4, enc.length() + 4), "range, case " + n);
      assertArrayEquals(b, Base64Url.decode(Base64.getUrlEncoder().encodeToString(b)), "padded url, case " + n);
      assertArrayEquals(b, Base64Url.decode(Base64.getEncoder().encodeToString(b)), "padded std, case " + n);
      assertArrayEquals(b, Base64Url.decode(Base64.getEncoder().withoutPadding().encodeToString(b)), "std, case " + n);
    }
  }

  @ParameterizedTest
  @MethodSource("nonCanonical")
  void decode_nonCanonicalAfterALongPrefix_isNull(String text) {
    assertNull(Base64Url.decode(LONG_PREFIX + text),
        () -> "accepted the long form of " + Arrays.toString(text.toCharArray()));
  }

  @Test
  void decode_longText_mixedAlphabetsFarApart_isNull() {
    String t = "-AAA" + LONG_PREFIX + "+AAA";
    assertNull(Base64Url.decode(t));
    assertNull(Base64Url.decode(t.replace('+', '/').replace('-', '_')));
    assertArrayEquals(Base64Url.decode(t.replace('-', '_').replace('+', '_')), Base64Url.decode(t.replace('-', '/').replace('+', '/')));
  }

  @Test
  void decode_longText_everySingleCharacterSubstitution_isNullOrADifferentCanonicalString() {
    Random r = new Random(11);
    for (int n = 0; n < 3; n++) {
      byte[] b = new byte[100 + n];
      r.nextBytes(b);
      String enc = Base64Url.encode(b);
      for (int i = enc.length() - 8; i < enc.length(); i++) {
        check(enc, i, n);
      }
      for (int k = 0; k < 16; k++) {
        check(enc, r.nextInt(enc.length()), n);
      }
    }
  }

  private static void check(String enc, int i, int n) {
    for (char c = 0; c < 256; c++) {
      String mutated = enc.substring(0, i) + c + enc.substring(i + 1);
      byte[] d = Base64Url.decode(mutated);
      if (d != null) {
        String asUrl = mutated.replace('+', '-').replace('/', '_').replaceAll("=+$", "");
        assertEquals(Base64Url.encode(d), asUrl, "case " + n + " pos " + i + " char " + (int) c);
      }
    }
  }
}
