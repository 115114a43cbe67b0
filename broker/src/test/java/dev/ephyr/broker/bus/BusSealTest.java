package dev.ephyr.broker.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sealing between two nodes sharing a keyring, and every way a message is refused. */
class BusSealTest {
  static final SecureRandom RANDOM = new SecureRandom();
  final Keyring keyring = Keyring.generate("k1", RANDOM);
  final Instant now = Instant.parse("2026-06-01T00:00:00Z");
  final List<String> refused = new ArrayList<>();

  BusSeal node(String id, Keyring k, Instant at) {
    return new BusSeal(k, id, Clock.fixed(at, ZoneOffset.UTC), Duration.ofSeconds(30),
        (address, r) -> refused.add(r.code()));
  }

  String code(Opened o) {
    return o instanceof Opened.Refused r ? r.code() : "ok";
  }

  @Test
  void sealedOnOneNode_opensOnceOnAnother_andHidesTheBody() {
    BusSeal n1 = node("n1", keyring, now);
    BusSeal n2 = node("n2", keyring, now);
    JsonObject body = new JsonObject().put("op", "exec").put("command", "id");
    JsonObject sealed = n1.seal("ephyr.ssh.session.n2", body);
    assertFalse(sealed.encode().contains("exec"), "the body travels encrypted");
    Opened o = n2.open("ephyr.ssh.session.n2", sealed);
    Opened.Ok ok = assertInstanceOf(Opened.Ok.class, o);
    assertEquals(body, ok.body());
    assertEquals("n1", ok.from());
    assertEquals("bus_replayed", code(n2.open("ephyr.ssh.session.n2", sealed)));
    // The reply is bound to this request.
    JsonObject reply = n2.sealReply(ok, new JsonObject().put("ok", true));
    assertEquals("ok", code(n1.openReply(sealed, reply)));
    JsonObject other = n1.seal("ephyr.ssh.session.n2", body);
    assertEquals("bus_bad_mac", code(n1.openReply(other, n2.sealReply(ok, new JsonObject()))));
  }

  @Test
  void forgedStaleMisaddressedOrForeign_areRefusedAndReported() {
    BusSeal n1 = node("n1", keyring, now);
    BusSeal n2 = node("n2", keyring, now);
    JsonObject body = new JsonObject().put("admin", "ops");
    assertEquals("bus_unsealed", code(n2.open("a", body)));
    assertEquals("bus_unsealed", code(n2.open("a", "text")));
    assertEquals("bus_bad_mac", code(n2.open("b", n1.seal("a", body))), "sent to another address");
    JsonObject tampered = n1.seal("a", body);
    tampered.put("from", "n3");
    assertEquals("bus_bad_mac", code(n2.open("a", tampered)));
    JsonObject flipped = n1.seal("a", body);
    char[] ct = flipped.getString("ct").toCharArray();
    ct[3] = ct[3] == 'A' ? 'B' : 'A';
    flipped.put("ct", new String(ct));
    assertEquals("bus_bad_mac", code(n2.open("a", flipped)));
    assertEquals("bus_stale", code(node("n2", keyring, now.plusSeconds(31)).open("a", n1.seal("a", body))));
    assertEquals("bus_stale", code(node("n2", keyring, now.minusSeconds(31)).open("a", n1.seal("a", body))));
    BusSeal stranger = node("x", Keyring.generate("k1", RANDOM), now);
    assertEquals("bus_bad_mac", code(n2.open("a", stranger.seal("a", body))), "same kid, other keyring");
    BusSeal otherKid = node("y", Keyring.generate("k9", RANDOM), now);
    assertEquals("bus_unknown_key", code(n2.open("a", otherKid.seal("a", body))));
    assertEquals("bus_malformed", code(n2.open("a", n1.seal("a", body).put("nonce", "%%%"))));
    assertEquals("bus_malformed", code(n2.open("a", n1.seal("a", body).put("ts", "soon"))));
    assertEquals(11, refused.size(), refused::toString);
  }

  @Test
  void afterRotation_theOldKidStillOpens() {
    Keyring rotated = keyring.rotate("k2", RANDOM);
    JsonObject sealedOld = node("n1", keyring, now).seal("a", new JsonObject().put("x", 1));
    assertEquals("ok", code(node("n2", rotated, now).open("a", sealedOld)));
    JsonObject sealedNew = node("n2", rotated, now).seal("a", new JsonObject().put("x", 2));
    assertEquals("k2", sealedNew.getString("kid"));
  }

  @Test
  void broadcasts_openOnEverySubscriber() {
    BusSeal n1 = node("n1", keyring, now);
    BusSeal n2 = node("n2", keyring, now);
    JsonObject sealed = n1.seal("ephyr.audit.live", new JsonObject().put("records", List.of()));
    assertEquals("ok", code(n2.openBroadcast("ephyr.audit.live", sealed)));
    assertEquals("ok", code(n2.openBroadcast("ephyr.audit.live", sealed)));
    assertEquals("bus_bad_mac", code(n2.openBroadcast("ephyr.audit.other", sealed)));
  }

  @Test
  void theReplayCacheIsBounded_andFailsClosedWhenFull() {
    NonceCache c = new NonceCache(3);
    assertEquals(NonceCache.Use.FIRST, c.firstUse("a", 100, 0));
    assertEquals(NonceCache.Use.REPLAYED, c.firstUse("a", 100, 0));
    assertEquals(NonceCache.Use.FIRST, c.firstUse("b", 100, 0));
    assertEquals(NonceCache.Use.FIRST, c.firstUse("c", 100, 0));
    assertEquals(NonceCache.Use.FULL, c.firstUse("d", 100, 50));
    assertEquals(NonceCache.Use.FIRST, c.firstUse("d", 300, 101), "expired nonces make room");
    assertEquals(1, c.size());
  }
}
