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

  /** A clock the test moves. */
  private static final class MovingClock extends Clock {
    private Instant now;

    MovingClock(Instant start) {
      now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static McpSessions.State use(McpSessions sessions, String id) {
    McpSessions.Session s = sessions.check(id);
    return s == null ? null : sessions.use(s, null).result();
  }

  @Test
  void sessions_slideWithUse_expireWhenIdle_andEndAtTheCapHoweverUsed() {
    MovingClock clock = new MovingClock(Instant.parse("2026-01-01T00:00:00Z"));
    McpSessions sessions = new McpSessions(keyring, clock, Duration.ofMinutes(10), Duration.ofHours(1), null);
    String id = sessions.issue("alice", "2025-11-25");
    // Used every 9 minutes, it outlives the idle bound many times over...
    for (int i = 0; i < 6; i++) {
      clock.advance(Duration.ofMinutes(9));
      assertEquals(McpSessions.State.LIVE, use(sessions, id), "use " + i);
    }
    // ...but not the cap: 63 minutes after issue it is gone, however used.
    clock.advance(Duration.ofMinutes(9));
    assertNull(sessions.check(id));

    String idle = sessions.issue("alice", "2025-11-25");
    clock.advance(Duration.ofMinutes(9));
    assertEquals(McpSessions.State.LIVE, use(sessions, idle));
    clock.advance(Duration.ofMinutes(10));
    assertNotNull(sessions.check(idle), "authentic and within the cap");
    assertEquals(McpSessions.State.IDLE_EXPIRED, use(sessions, idle), "ten minutes unused");
    assertEquals(McpSessions.State.IDLE_EXPIRED, use(sessions, idle), "an expired session does not revive");

    String ended = sessions.issue("alice", "2025-11-25");
    sessions.end(sessions.check(ended), null);
    assertEquals(McpSessions.State.ENDED, use(sessions, ended));
  }

  @Test
  void boundsAreChecked() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new McpSessions(keyring, t0, Duration.ofHours(2), Duration.ofHours(1), null));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new McpSessions(keyring, t0, Duration.ZERO, Duration.ofHours(1), null));
  }
}
