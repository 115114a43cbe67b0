package dev.ephyr.broker.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ephyr.protocol.keys.Keyring;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class McpSessionsTest {
  private static final SecureRandom RND = new SecureRandom();
  private final Keyring keyring = Keyring.generate("k1", RND);
  private final Clock t0 = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void issuedIds_checkOnAnyNodeWithTheKeyring_andCarryAgentAndVersion() {
    String id = new McpSessions(keyring, t0, Duration.ofHours(1), null).issue("alice", "2025-06-18");
    McpSessions.Session s = new McpSessions(keyring, t0, Duration.ofHours(1), null).check(id);
    assertNotNull(s);
    assertEquals("alice", s.agent());
    assertEquals("2025-06-18", s.version());
    assertFalse(s.toString().contains(id));
  }

  @Test
  void forgedForeignOrExpiredIds_areRefused() {
    McpSessions sessions = new McpSessions(keyring, t0, Duration.ofHours(1), null);
    String id = sessions.issue("alice", "2025-11-25");
    String[] p = id.split("\\.");
    String otherPayload = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("mallory\n2025-11-25\n1767225600\nxx".getBytes());
    assertNull(sessions.check(p[0] + "." + p[1] + "." + otherPayload + "." + p[3]));
    assertNull(new McpSessions(Keyring.generate("k1", RND), t0, Duration.ofHours(1), null).check(id));
    assertNull(new McpSessions(keyring, Clock.offset(t0, Duration.ofHours(2)), Duration.ofHours(1), null).check(id));
    assertNull(sessions.check("garbage"));
    assertNull(sessions.check(null));
    assertNull(sessions.check("s1.k1.." + "x".repeat(600)));
  }
}
