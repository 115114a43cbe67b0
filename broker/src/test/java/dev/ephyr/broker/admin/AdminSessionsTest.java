package dev.ephyr.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.keys.Keyring;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Dashboard sessions cannot be forged, stretched, moved to another admin or outlive the admin's credential. */
class AdminSessionsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Instant NOW = Instant.parse("2026-11-27T08:00:00Z");
  private final Keyring keyring = Keyring.generate("k1", RANDOM);

  private static Policy policy(String aliceHash, String bobHash) throws Exception {
    return Policy.parse("""
        version: 1
        admins:
          alice: { credential: "%s" }
          bob: { credential: "%s" }
        """.formatted(aliceHash, bobHash), "test.yaml");
  }

  private AdminSessions at(Instant now, Keyring k) {
    return new AdminSessions(k, Clock.fixed(now, ZoneOffset.UTC), Duration.ofHours(8));
  }

  @Test
  void aSessionNamesItsAdminUntilItExpires() throws Exception {
    Policy p = policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), ApiKeys.hash(ApiKeys.generate(RANDOM)));
    String s = at(NOW, keyring).mint(p.admins().get("alice"));
    assertTrue(AdminSessions.looksLikeSession(s));
    assertEquals("alice", at(NOW.plusSeconds(3600), keyring).verify(s, p).orElseThrow().name());
    assertTrue(at(NOW.plus(Duration.ofHours(8)).plusSeconds(1), keyring).verify(s, p).isEmpty(), "expired");
  }

  @Test
  void forgedTamperedOrForeignSessionsAreRefused() throws Exception {
    Policy p = policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), ApiKeys.hash(ApiKeys.generate(RANDOM)));
    AdminSessions sessions = at(NOW, keyring);
    String s = sessions.mint(p.admins().get("alice"));
    String[] parts = s.split("\\.");
    // another admin's name under alice's MAC
    String asBob = s.replace("." + parts[2] + ".", "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("bob".getBytes()) + ".");
    assertTrue(sessions.verify(asBob, p).isEmpty());
    // a later expiry under the old MAC
    assertTrue(sessions.verify(s.replace("." + parts[3] + ".", "." + (Long.parseLong(parts[3]) + 86400) + "."), p).isEmpty());
    // flipped MAC, truncated, junk, an unknown kid, a different keyring with the same kid
    // Every other spelling of the last MAC character, including those decoding to the same bytes.
    String base = s.substring(0, s.length() - 1);
    for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()) {
      if (c != s.charAt(s.length() - 1)) {
        assertTrue(sessions.verify(base + c, p).isEmpty(), "last character " + c);
      }
    }
    assertEquals(7, parts.length, "eas1.<kid>.<admin>.<expiry>.<binding>.<nonce>.<mac>");
    // another nonce under the old MAC
    assertTrue(sessions.verify(s.replace("." + parts[5] + ".", ".AAAAAAAAAAAA."), p).isEmpty());
    String macPart = parts[6];
    String flipped = (macPart.charAt(0) == 'A' ? 'B' : 'A') + macPart.substring(1);
    assertTrue(sessions.verify(s.substring(0, s.length() - macPart.length()) + flipped, p).isEmpty());
    assertTrue(sessions.verify(s.substring(0, s.lastIndexOf('.')), p).isEmpty());
    for (String junk : new String[] {null, "", "eas1.", "eas1.k1.....", "eas1.k9.YQ.1.x.y", "ek_x", "x".repeat(10_000)}) {
      assertTrue(sessions.verify(junk, p).isEmpty(), String.valueOf(junk));
    }
    assertTrue(at(NOW, Keyring.generate("k1", RANDOM)).verify(s, p).isEmpty(), "another cluster's keyring");
  }

  @Test
  void removingTheAdminOrChangingTheCredentialEndsTheSession() throws Exception {
    String bob = ApiKeys.hash(ApiKeys.generate(RANDOM));
    Policy p = policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), bob);
    String s = at(NOW, keyring).mint(p.admins().get("alice"));
    assertTrue(at(NOW, keyring).verify(s, p).isPresent());
    assertTrue(at(NOW, keyring).verify(s, policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), bob)).isEmpty(), "new credential");
    Policy withoutAlice = Policy.parse("version: 1\nadmins:\n  bob: { credential: \"" + bob + "\" }\n", "t.yaml");
    assertTrue(at(NOW, keyring).verify(s, withoutAlice).isEmpty(), "admin removed");
  }

  @Test
  void keysRotateWithoutEndingSessionsUntilRetired() throws Exception {
    Policy p = policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), ApiKeys.hash(ApiKeys.generate(RANDOM)));
    String s = at(NOW, keyring).mint(p.admins().get("alice"));
    Keyring rotated = keyring.rotate("k2", RANDOM);
    assertTrue(at(NOW, rotated).verify(s, p).isPresent());
    assertFalse(at(NOW, rotated.retire("k1")).verify(s, p).isPresent());
    assertFalse(at(NOW, keyring).toString().contains("eas1"));
  }

  @Test
  void anEndedSessionIsKnownAsEnded_andTwoSignInsInOneSecondAreTwoSessions() throws Exception {
    Policy p = policy(ApiKeys.hash(ApiKeys.generate(RANDOM)), ApiKeys.hash(ApiKeys.generate(RANDOM)));
    AdminSessions sessions = at(NOW, keyring);
    String first = sessions.mint(p.admins().get("alice"));
    String second = sessions.mint(p.admins().get("alice"));
    assertFalse(first.equals(second), "the same admin in the same second gets a distinct session");
    AdminSessions.Valid a = sessions.check(first, p).orElseThrow();
    AdminSessions.Valid b = sessions.check(second, p).orElseThrow();
    assertFalse(a.id().equals(b.id()));
    assertFalse(a.id().contains(first.substring(first.lastIndexOf('.') + 1)), "the id is a digest, not the token");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.Context ctx = vertx.getOrCreateContext();
      assertFalse(sessions.isEnded(a, ctx).await());
      sessions.end(a, ctx).await();
      assertTrue(sessions.isEnded(a, ctx).await());
      assertFalse(sessions.isEnded(b, ctx).await(), "ending one session leaves the other");
      assertEquals(NOW.plus(Duration.ofHours(8)).getEpochSecond(), a.expiresAt());
    } finally {
      vertx.close().await();
    }
  }
}
