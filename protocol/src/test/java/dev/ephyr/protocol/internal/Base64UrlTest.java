package dev.ephyr.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * The allocation-free decoder (fact tags) accepts exactly what the strict decoder accepts in the URL
   * alphabet without padding, with the same bytes: random texts over both alphabets, padding and junk,
   * each at an offset inside a larger buffer.
   */
  @Test
  void decodeUrlInto_agreesWithStrictDecoderOnUnpaddedUrlText() {
    Random r = new Random(7);
    String chars = URL + "+/=. \u00e9";
    int accepted = 0;
    for (int n = 0; n < 20000; n++) {
      int len = r.nextInt(30);
      StringBuilder t = new StringBuilder();
      boolean mostlyValid = r.nextInt(4) != 0;
      for (int i = 0; i < len; i++) {
        t.append(mostlyValid && r.nextInt(20) != 0 ? URL.charAt(r.nextInt(64)) : chars.charAt(r.nextInt(chars.length())));
      }
      byte[] text = ("xx" + t + "yy").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      byte[] out = new byte[3 + len];
      Arrays.fill(out, (byte) 0x55);
      boolean ok = Base64Url.decodeUrlInto(text, 2, 2 + len, out, 3);
      byte[] strict = Base64Url.decode(t.toString());
      boolean urlOnly = t.chars().allMatch(c -> URL.indexOf(c) >= 0);
      assertEquals(strict != null && urlOnly, ok, () -> "text '" + t + "'");
      if (ok) {
        accepted++;
        assertArrayEquals(strict, Arrays.copyOfRange(out, 3, 3 + strict.length), () -> "text '" + t + "'");
        assertEquals((byte) 0x55, out[2], "wrote before its offset");
      }
    }
    assertTrue(accepted > 5000, "too few valid cases: " + accepted);
  }

  @Test
  void decodeUrlInto_outOfBounds_isFalseNotAnException() {
    byte[] text = "QUJD".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertFalse(Base64Url.decodeUrlInto(text, 0, 4, new byte[2], 0));
    assertFalse(Base64Url.decodeUrlInto(text, 0, 4, new byte[3], 1));
    assertFalse(Base64Url.decodeUrlInto(text, 2, 6, new byte[3], 0));
    assertFalse(Base64Url.decodeUrlInto(text, -1, 3, new byte[3], 0));
    assertFalse(Base64Url.decodeUrlInto(text, 3, 2, new byte[3], 0));
    byte[] out = new byte[3];
    assertTrue(Base64Url.decodeUrlInto(text, 0, 4, out, 0));
    assertArrayEquals(new byte[] {0x41, 0x42, 0x43}, out);
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
