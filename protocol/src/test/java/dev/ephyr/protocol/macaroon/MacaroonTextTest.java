package dev.ephyr.protocol.macaroon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.testing.V2Writer;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The {@code mac_} text form: accepted spellings, the canonical one, and every refusal. */
class MacaroonTextTest {
  static final byte[] BIN = V2Writer.wellFormed("ephyr", "e1/k1/01JDQ4Y3ZK8M2N5P7R9S0T1V2W", "targets = web");

  static Reason reason(CharSequence text) {
    try {
      MacaroonText.parse(text);
      return null;
    } catch (MacaroonFormatException e) {
      return e.reason();
    }
  }

  @Test
  void parse_allFourBase64Spellings_giveTheSameMacaroonAndOneCanonicalText() throws Exception {
    String canonical = "mac_" + Base64.getUrlEncoder().withoutPadding().encodeToString(BIN);
    Macaroon m = MacaroonText.parse(canonical);
    for (String spelling : new String[] {
        canonical,
        "mac_" + Base64.getUrlEncoder().encodeToString(BIN),
        "mac_" + Base64.getEncoder().encodeToString(BIN),
        "mac_" + Base64.getEncoder().withoutPadding().encodeToString(BIN)}) {
      assertTrue(MacaroonText.parse(spelling).sameAs(m), spelling);
      assertEquals(canonical, MacaroonText.canonical(spelling), spelling);
      assertArrayEquals(BIN, MacaroonText.decode(spelling), spelling);
    }
    assertEquals(canonical, m.toText());
  }

  @Test
  void parse_missingOrWrongPrefix_isMalformed() {
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(BIN);
    for (String t : new String[] {b64, "MAC_" + b64, "mac-" + b64, "mac" + b64, " mac_" + b64, "", "mac", "mac_"}) {
      assertEquals(Reason.MALFORMED, reason(t), t);
    }
    assertThrows(MacaroonFormatException.class, () -> MacaroonText.decode(null));
  }

  @Test
  void parse_textLongerThanMaxChars_isMalformedBeforeDecoding() {
    String text = "mac_" + "A".repeat(MacaroonText.MAX_CHARS - 3);
    assertEquals(MacaroonText.MAX_CHARS + 1, text.length());
    MacaroonFormatException e = assertThrows(MacaroonFormatException.class, () -> MacaroonText.decode(text));
    assertEquals(Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("longer"), e.getMessage());
  }

  @Test
  void maxChars_coversPaddedBase64OfTheLargestToken() {
    assertTrue(MacaroonText.MAX_CHARS >= 4 + Base64.getEncoder().encodeToString(new byte[MacaroonV2.MAX_BYTES]).length());
  }

  @Test
  void parse_whitespaceAnywhere_isMalformed() {
    String t = "mac_" + Base64.getUrlEncoder().withoutPadding().encodeToString(BIN);
    assertEquals(Reason.MALFORMED, reason(t + "\n"));
    assertEquals(Reason.MALFORMED, reason(t + " "));
    assertEquals(Reason.MALFORMED, reason("mac_ " + t.substring(4)));
    assertEquals(Reason.MALFORMED, reason(t.substring(0, 20) + "\r\n" + t.substring(20)));
  }

  @Test
  void parse_supplementaryCharacterInText_isMalformedNotACrash() {
    // A character outside the BMP is two UTF-16 units; decoding must not index past the Latin-1 copy.
    String t = "mac_" + Base64.getUrlEncoder().withoutPadding().encodeToString(BIN);
    for (String bad : new String[] {"mac_\uD83D\uDE00", t + "\uD83D\uDE00", "mac_AA\uD83D\uDE00AA", t.substring(0, 30) + "\uD83D\uDE00" + t.substring(30)}) {
      try {
        assertEquals(Reason.MALFORMED, reason(bad), bad);
      } catch (RuntimeException e) {
        throw new AssertionError("MacaroonText.parse threw " + e + " for " + bad, e);
      }
    }
  }

  @Test
  void canonical_rejectsStructurallyBadTokens() {
    byte[] bad = BIN.clone();
    bad[0] = 3;
    assertThrows(MacaroonFormatException.class,
        () -> MacaroonText.canonical("mac_" + Base64.getUrlEncoder().encodeToString(bad)));
  }
}
