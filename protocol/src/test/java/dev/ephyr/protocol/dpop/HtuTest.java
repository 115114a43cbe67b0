package dev.ephyr.protocol.dpop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HtuTest {
  @Test
  void sameTarget_normalisesSchemeHostDefaultPortQueryAndFragment() {
    assertTrue(Htu.sameTarget("https://broker.example/mcp", "HTTPS://BROKER.example:443/mcp?x=1#y"));
    assertTrue(Htu.sameTarget("http://broker.example:80/a/b", "http://broker.example/a/b"));
    assertTrue(Htu.sameTarget("https://broker.example", "https://broker.example/"));
    assertTrue(Htu.sameTarget("https://broker.example:/", "https://broker.example/"));
    assertTrue(Htu.sameTarget("https://[::1]:8443/mcp", "https://[::1]:8443/mcp"));
    assertTrue(Htu.sameTarget("https://b.example:0443/mcp", "https://b.example/mcp"));
  }

  @Test
  void sameTarget_distinguishesPathPortSchemeAndHost() {
    assertFalse(Htu.sameTarget("https://broker.example/mcp", "https://broker.example/MCP"));
    assertFalse(Htu.sameTarget("https://broker.example/mcp", "https://broker.example/mcp/"));
    assertFalse(Htu.sameTarget("https://broker.example/a/../mcp", "https://broker.example/mcp"));
    assertFalse(Htu.sameTarget("https://broker.example/%6Dcp", "https://broker.example/mcp"));
    assertFalse(Htu.sameTarget("https://broker.example:8443/mcp", "https://broker.example/mcp"));
    assertFalse(Htu.sameTarget("http://broker.example:443/mcp", "https://broker.example/mcp"));
    assertFalse(Htu.sameTarget("https://broker.example.evil/mcp", "https://broker.example/mcp"));
    assertFalse(Htu.sameTarget("https://[::1]/mcp", "https://[::2]/mcp"));
  }

  @Test
  void parse_refusesWhatIsNotAnAbsoluteHttpUrl() {
    for (String bad : new String[] {"", "/mcp", "ftp://broker.example/", "https://", "https:///mcp",
        "https://user@broker.example/mcp", "https://broker.example:99999/", "https://broker.example:8a/",
        "https://broker.example:123456/", "https://bro ker.example/", "https://br\u00f6ker.example/",
        "https://[::1/mcp", "https://[::1]x/mcp", "https://a]b/", "https://broker.example/a b",
        "https://broker.example\\evil/", "https://h/" + "p".repeat(5000)}) {
      assertNull(Htu.parse(bad), bad);
    }
  }

  @Test
  void sameTarget_nonAsciiLookalikes_doNotFoldToAscii() {
    // U+017F (long s) upper-cases to 'S' in Java; hosts and schemes compare by ASCII rules only.
    assertFalse(Htu.sameTarget("http\u017F://broker.example/mcp", "https://broker.example/mcp"));
  }

  @Test
  void stripQueryAndFragment_keepsPathOnly() {
    assertEquals("https://b.example/mcp", Htu.stripQueryAndFragment("https://b.example/mcp?x=1#f"));
    assertEquals("https://b.example/mcp", Htu.stripQueryAndFragment("https://b.example/mcp#f?x"));
    assertEquals("https://b.example/mcp", Htu.stripQueryAndFragment("https://b.example/mcp"));
  }
}
