package dev.ephyr.protocol.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private final Keyring keyring = Fixtures.keyring();
  private final TokenMinter minter = new TokenMinter(keyring);
  private final Fixtures.MapWatermarks watermarks = new Fixtures.MapWatermarks();
  private final TokenVerifier verifier = Fixtures.verifier(keyring, watermarks, new Fixtures.SetReplay());

  private Verification verify(String token) {
    return Fixtures.verifyNow(verifier, token, Fixtures.get());
  }

  private Principal accepted(String token) {
    Verification v = verify(token);
    if (v instanceof Verification.Rejected r) {
      throw new AssertionError("rejected: " + r.reason().code() + " " + r.auditDetail());
    }
    return ((Verification.Accepted) v).principal();
  }

  private Reason rejected(String token) {
    return assertInstanceOf(Verification.Rejected.class, verify(token)).reason();
  }

  private String root() {
    return minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
  }

  private Envelope narrower(Envelope parent, IdSet targets) {
    return parent.intersect(Envelope.builder().set(Dimension.TARGETS, targets).set(Dimension.ROLES, IdSet.ALL)
        .set(Dimension.SERVICES, IdSet.ALL).set(Dimension.METHODS, IdSet.ALL).set(Dimension.REMOTES, IdSet.ALL)
        .tools(ToolGrant.ALL).expiresAt(parent.expiresAt()).delegate(true).maxDepth(5).build());
  }

  private String child(String parentToken, String task, Envelope e) {
    return minter.delegate(accepted(parentToken),
        new TaskGrant(task, 0, "claude", "urn:ephyr:task:" + Fixtures.ROOT, null, null, e));
  }

  @Test
  void verify_rootToken_yieldsItsGrantAndLineage() {
    Principal p = accepted(root());
    assertEquals("claude", p.agent());
    assertEquals(Fixtures.ROOT, p.rootTask());
    assertEquals(List.of(Fixtures.ROOT), p.lineage().stream().map(TaskHop::task).toList());
    assertEquals(Fixtures.wide(), p.envelope());
    assertEquals(0, p.depth());
    assertNull(p.holder());
  }

  @Test
  void verify_childToken_narrowsAndExtendsLineage() {
    Envelope narrow = narrower(Fixtures.wide(), IdSet.of("web"));
    Principal p = accepted(child(root(), Fixtures.CHILD, narrow));
    assertEquals(narrow, p.envelope());
    assertEquals(List.of(Fixtures.ROOT, Fixtures.CHILD), p.lineage().stream().map(TaskHop::task).toList());
    assertEquals(1, p.depth());
  }

  @Test
  void verify_revokedParent_rejectsChild() {
    String child = child(root(), Fixtures.CHILD, narrower(Fixtures.wide(), IdSet.of("web")));
    watermarks.marks.put(Fixtures.ROOT, WatermarkLookup.REVOKED);
    assertEquals(Reason.REVOKED, rejected(child));
  }

  @Test
  void verify_revokedChild_rejectsChildButNotParent() {
    String parent = root();
    String child = child(parent, Fixtures.CHILD, narrower(Fixtures.wide(), IdSet.of("web")));
    watermarks.marks.put(Fixtures.CHILD, WatermarkLookup.REVOKED);
    assertEquals(Reason.REVOKED, rejected(child));
    // An attenuated copy of the revoked child is still the child: no fallback to the root.
    String attenuated = Macaroon.parseTextUnchecked(child).withCaveat("roles = read").toText();
    assertEquals(Reason.REVOKED, rejected(attenuated));
    accepted(parent);
  }

  @Test
  void verify_reissuedTask_rejectsOldEpochAcceptsNew() {
    String old = root();
    String fresh = minter.reissue(accepted(old), 1);
    watermarks.marks.put(Fixtures.ROOT, 1L);
    assertEquals(Reason.REVOKED, rejected(old));
    Principal p = accepted(fresh);
    assertEquals(1, p.actingTask().epoch());
    assertEquals(Fixtures.wide(), p.envelope());
  }

  @Test
  void verify_reissuedChild_keepsPrefixAndNarrowing() {
    Envelope narrow = narrower(Fixtures.wide(), IdSet.of("web"));
    String child = child(root(), Fixtures.CHILD, narrow);
    String attenuated = Macaroon.parseTextUnchecked(child).withCaveat("roles = read").toText();
    String fresh = minter.reissue(accepted(attenuated), 3);
    watermarks.marks.put(Fixtures.CHILD, 3L);
    assertEquals(Reason.REVOKED, rejected(child));
    Principal p = accepted(fresh);
    assertEquals(IdSet.of("read"), p.envelope().roles());
    assertEquals(IdSet.of("web"), p.envelope().targets());
    assertEquals(3, p.actingTask().epoch());
  }

  @Test
  void verify_expiredToken_isRejected() {
    Envelope e = Envelope.builder().expiresAt(Fixtures.NOW.getEpochSecond()).build();
    assertEquals(Reason.EXPIRED, rejected(minter.mintRoot(Fixtures.rootGrant(e))));
  }

  @Test
  void verify_whenClusterViewUnavailable_failsClosed() {
    String token = root();
    watermarks.available = false;
    assertEquals(Reason.CLUSTER_UNAVAILABLE, rejected(token));
  }

  @Test
  void verify_unknownKid_isRejected() {
    String token = root();
    TokenVerifier other = Fixtures.verifier(Keyring.generate("k2", Fixtures.deterministic(9)), watermarks,
        new Fixtures.SetReplay());
    assertEquals(Reason.UNKNOWN_KEY, assertInstanceOf(Verification.Rejected.class,
        Fixtures.verifyNow(other, token, Fixtures.get())).reason());
  }

  @Test
  void verify_sameKidDifferentKey_isBadSignature() {
    String token = root();
    TokenVerifier other = Fixtures.verifier(Keyring.generate("k1", Fixtures.deterministic(9)), watermarks,
        new Fixtures.SetReplay());
    assertEquals(Reason.BAD_SIGNATURE, assertInstanceOf(Verification.Rejected.class,
        Fixtures.verifyNow(other, token, Fixtures.get())).reason());
  }

  @Test
  void verify_rotatedKeyring_stillVerifiesOldTokensAndMintsWithNewKid() {
    String old = root();
    Keyring rotated = keyring.rotate("k2", Fixtures.deterministic(3));
    TokenVerifier v = Fixtures.verifier(rotated, watermarks, new Fixtures.SetReplay());
    assertInstanceOf(Verification.Accepted.class, Fixtures.verifyNow(v, old, Fixtures.get()));
    Principal fresh = assertInstanceOf(Verification.Accepted.class, Fixtures.verifyNow(v,
        new TokenMinter(rotated).mintRoot(Fixtures.rootGrant(Fixtures.wide())), Fixtures.get())).principal();
    assertEquals("k2", fresh.kid());
  }

  @Test
  void delegate_whenParentMayNotDelegate_isRefusedAndForcedTokenRejected() {
    Envelope noDelegate = Envelope.builder().set(Dimension.TARGETS, IdSet.of("web"))
        .expiresAt(Fixtures.NOW.getEpochSecond() + 60).delegate(false).maxDepth(5).build();
    String token = minter.mintRoot(Fixtures.rootGrant(noDelegate));
    Principal p = accepted(token);
    assertThrows(IllegalArgumentException.class, () -> minter.delegate(p,
        new TaskGrant(Fixtures.CHILD, 0, "claude", "urn:ephyr:task:x", null, null, noDelegate)));
  }

  @Test
  void delegate_beyondDepthLimit_isRefused() {
    Envelope shallow = Envelope.builder().set(Dimension.TARGETS, IdSet.of("web"))
        .expiresAt(Fixtures.NOW.getEpochSecond() + 60).delegate(true).maxDepth(1).build();
    String token = minter.mintRoot(Fixtures.rootGrant(shallow));
    String child = minter.delegate(accepted(token),
        new TaskGrant(Fixtures.CHILD, 0, "claude", "urn:ephyr:task:x", null, null, shallow));
    Principal c = accepted(child);
    assertEquals(1, c.depth());
    assertThrows(IllegalArgumentException.class, () -> minter.delegate(c,
        new TaskGrant(Fixtures.GRANDCHILD, 0, "claude", "urn:ephyr:task:x", null, null, shallow)));
  }

  @Test
  void delegate_widerThanParent_isRefused() {
    Principal p = accepted(child(root(), Fixtures.CHILD, narrower(Fixtures.wide(), IdSet.of("web"))));
    assertThrows(IllegalArgumentException.class, () -> minter.delegate(p,
        new TaskGrant(Fixtures.GRANDCHILD, 0, "claude", "urn:ephyr:task:x", null, null, Fixtures.wide())));
  }

  @Test
  void verify_bindDeadlineChild_isOnlyGoodForBinding() {
    Envelope e = narrower(Fixtures.wide(), IdSet.of("web"));
    String child = minter.delegate(accepted(root()), new TaskGrant(Fixtures.CHILD, 0, "codex",
        "urn:ephyr:task:" + Fixtures.ROOT, null, Fixtures.NOW.getEpochSecond() + 30, e));
    assertEquals(Reason.BIND_REQUIRED, rejected(child));
    // Binding needs a proof of the key being bound.
    Verification forBind = Fixtures.verifyNow(verifier, child,
        RequestFacts.builder("POST", Fixtures.URL).purpose(Purpose.BIND).build());
    assertEquals(Reason.POP_REQUIRED, assertInstanceOf(Verification.Rejected.class, forBind).reason());
  }

  @Test
  void verify_bindDeadlinePassed_isBindExpired() {
    Envelope e = narrower(Fixtures.wide(), IdSet.of("web"));
    String child = minter.delegate(accepted(root()), new TaskGrant(Fixtures.CHILD, 0, "codex",
        "urn:ephyr:task:" + Fixtures.ROOT, null, Fixtures.NOW.getEpochSecond(), e));
    Verification v = Fixtures.verifyNow(verifier, child,
        RequestFacts.builder("POST", Fixtures.URL).purpose(Purpose.BIND).proof("x").build());
    assertEquals(Reason.BIND_EXPIRED, assertInstanceOf(Verification.Rejected.class, v).reason());
  }

  @Test
  void verify_holderBoundRoot_withoutProof_isPopRequired() {
    String jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    String token = minter.mintRoot(new TaskGrant(Fixtures.ROOT, 0, "claude", "urn:ephyr:agent:claude", jkt, null,
        Fixtures.wide()));
    assertEquals(Reason.POP_REQUIRED, rejected(token));
  }

  @Test
  void verify_restrictionAppendedByHolder_narrowsOnly() {
    Macaroon m = Macaroon.parseTextUnchecked(root());
    Principal p = accepted(m.withCaveat("targets = web").withCaveat("targets = *").withCaveat("delegate = true")
        .toText());
    assertEquals(IdSet.of("web"), p.envelope().targets());
    assertTrue(p.envelope().isWithin(Fixtures.wide()));
  }

  @Test
  void verify_caveatOutsideVocabulary_isUnknownCaveat() {
    String token = Macaroon.parseTextUnchecked(root()).withCaveat("account = 42").toText();
    assertEquals(Reason.UNKNOWN_CAVEAT, rejected(token));
  }
}
