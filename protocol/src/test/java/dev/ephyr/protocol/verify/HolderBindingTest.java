package dev.ephyr.protocol.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Holder binding end to end: bound roots, two-phase bind of a delegated child, replay and misuse. */
class HolderBindingTest {
  private final Keyring keyring = Fixtures.keyring();
  private final TokenMinter minter = new TokenMinter(keyring);
  private final Fixtures.MapWatermarks watermarks = new Fixtures.MapWatermarks();
  private final Fixtures.SetReplay replay = new Fixtures.SetReplay();
  private final TokenVerifier verifier = Fixtures.verifier(keyring, watermarks, replay);
  private final HolderKeyPair alice = HolderKeyPair.generate(Fixtures.deterministic(11));
  private final HolderKeyPair mallory = HolderKeyPair.generate(Fixtures.deterministic(12));
  private final byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}".getBytes(StandardCharsets.UTF_8);

  private long proofs;

  /** A fresh proof (distinct jti) by {@code key} for {@code token} and {@code forBody}. */
  private String proof(HolderKeyPair key, String token, byte[] forBody) {
    return DpopProofBuilder.forKey(key).method("POST").url(Fixtures.URL).accessToken(token).body(forBody)
        .issuedAt(Fixtures.NOW).random(Fixtures.deterministic(++proofs)).build();
  }

  private Verification verify(String token, String proof, Purpose purpose) {
    return Fixtures.verifyNow(verifier, token,
        RequestFacts.builder("POST", Fixtures.URL).proof(proof).body(body).purpose(purpose).build());
  }

  private String boundRoot(HolderKeyPair key) {
    return minter.mintRoot(new TaskGrant(Fixtures.ROOT, 0, "claude", "urn:ephyr:agent:claude", key.jkt(), null,
        Fixtures.wide()));
  }

  private Envelope narrow() {
    return Fixtures.wide().intersect(Envelope.builder().set(Dimension.TARGETS, IdSet.of("web"))
        .set(Dimension.ROLES, IdSet.ALL).set(Dimension.SERVICES, IdSet.ALL).set(Dimension.METHODS, IdSet.ALL)
        .set(Dimension.REMOTES, IdSet.ALL).tools(ToolGrant.ALL).expiresAt(Fixtures.wide().expiresAt())
        .delegate(true).maxDepth(5).build());
  }

  @Test
  void boundToken_withProofFromHolder_isAccepted() {
    String token = boundRoot(alice);
    Principal p = assertInstanceOf(Verification.Accepted.class,
        verify(token, proof(alice, token, body), Purpose.USE)).principal();
    assertEquals(alice.jkt(), p.holder());
    assertEquals(alice.jkt(), p.proofJkt());
  }

  @Test
  void boundToken_withProofFromAnotherKey_isKeyMismatch() {
    String token = boundRoot(alice);
    assertEquals(Reason.POP_KEY_MISMATCH, assertInstanceOf(Verification.Rejected.class,
        verify(token, proof(mallory, token, body), Purpose.USE)).reason());
  }

  @Test
  void boundToken_replayedProof_isRejectedTheSecondTime() {
    String token = boundRoot(alice);
    String proof = proof(alice, token, body);
    assertInstanceOf(Verification.Accepted.class, verify(token, proof, Purpose.USE));
    assertEquals(Reason.REPLAYED, assertInstanceOf(Verification.Rejected.class,
        verify(token, proof, Purpose.USE)).reason());
  }

  @Test
  void boundToken_proofForAnotherBody_isBodyMismatch() {
    String token = boundRoot(alice);
    assertEquals(Reason.POP_BODY_MISMATCH, assertInstanceOf(Verification.Rejected.class,
        verify(token, proof(alice, token, "{}".getBytes(StandardCharsets.UTF_8)), Purpose.USE)).reason());
  }

  @Test
  void boundToken_attenuatedByThief_stillNeedsHoldersProof() {
    String token = boundRoot(alice);
    String attenuated = Macaroon.parseTextUnchecked(token).withCaveat("roles = read").toText();
    assertEquals(Reason.POP_REQUIRED, assertInstanceOf(Verification.Rejected.class,
        verify(attenuated, null, Purpose.USE)).reason());
    assertEquals(Reason.POP_KEY_MISMATCH, assertInstanceOf(Verification.Rejected.class,
        verify(attenuated, proof(mallory, attenuated, body), Purpose.USE)).reason());
  }

  @Test
  void unboundToken_withGarbageProof_isRefusedNotIgnored() {
    // RFC 9449 §7.1: a proof that is presented is checked, even where the token would pass without one.
    String token = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Verification.Rejected r = assertInstanceOf(Verification.Rejected.class, verify(token, "garbage", Purpose.USE));
    assertEquals(Reason.POP_INVALID, r.reason());
  }

  @Test
  void unboundToken_withProofForAnotherToken_isRefused() {
    String token = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    String other = boundRoot(alice);
    assertInstanceOf(Verification.Rejected.class, verify(token, proof(alice, other, body), Purpose.USE));
  }

  @Test
  void unboundToken_withValidProof_isAcceptedOnceAndGainsNoHolder() {
    String token = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    String proof = proof(mallory, token, body);
    Principal p = assertInstanceOf(Verification.Accepted.class, verify(token, proof, Purpose.USE)).principal();
    // Anyone holding an unbound token can sign a proof with a key of their own: it proves possession of nothing.
    assertNull(p.holder());
    assertNull(p.proofJkt());
    assertEquals(Reason.REPLAYED, assertInstanceOf(Verification.Rejected.class,
        verify(token, proof, Purpose.USE)).reason());
  }

  @Test
  void replayStoreFailure_isReplayUnavailableNotAccepted() {
    String token = boundRoot(alice);
    TokenVerifier failing = TokenVerifier.builder(keyring).watermarks(watermarks)
        .replay((k, until) -> CompletableFuture.failedFuture(new IllegalStateException("store down")))
        .dpop(Fixtures.dpop()).clock(Fixtures.CLOCK).build();
    Verification v = Fixtures.verifyNow(failing, token,
        RequestFacts.builder("POST", Fixtures.URL).proof(proof(alice, token, body)).body(body).build());
    assertEquals(Reason.REPLAY_UNAVAILABLE, assertInstanceOf(Verification.Rejected.class, v).reason());
  }

  @Test
  void twoPhaseBind_childBindsOnceThenNeedsItsKey() {
    String root = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Principal parent = assertInstanceOf(Verification.Accepted.class, Fixtures.verifyNow(verifier, root,
        Fixtures.get())).principal();
    String unbound = minter.delegate(parent, new TaskGrant(Fixtures.CHILD, 0, "codex",
        "urn:ephyr:task:" + Fixtures.ROOT, null, Fixtures.NOW.getEpochSecond() + 30, narrow()));

    // Before binding, the token is good for nothing else.
    assertEquals(Reason.BIND_REQUIRED, assertInstanceOf(Verification.Rejected.class,
        verify(unbound, proof(alice, unbound, body), Purpose.USE)).reason());

    // Binding proves possession of the new key; the bound token then needs that key's proofs.
    Principal pending = assertInstanceOf(Verification.Accepted.class,
        verify(unbound, proof(alice, unbound, body), Purpose.BIND)).principal();
    assertEquals(alice.jkt(), pending.proofJkt());
    assertNull(pending.holder());
    String bound = minter.bind(pending);

    Principal p = assertInstanceOf(Verification.Accepted.class,
        verify(bound, proof(alice, bound, body), Purpose.USE)).principal();
    assertEquals(alice.jkt(), p.holder());
    assertEquals(narrow(), p.envelope());
    assertEquals(Reason.POP_REQUIRED, assertInstanceOf(Verification.Rejected.class,
        verify(bound, null, Purpose.USE)).reason());
    assertEquals(Reason.POP_KEY_MISMATCH, assertInstanceOf(Verification.Rejected.class,
        verify(bound, proof(mallory, bound, body), Purpose.USE)).reason());

    // Binding a bound task again is refused: a bound token verified for BIND still needs the holder's
    // proof, and the minter will not stack a second bind fact.
    Principal again = assertInstanceOf(Verification.Accepted.class,
        verify(bound, proof(alice, bound, body), Purpose.BIND)).principal();
    assertThrows(IllegalArgumentException.class, () -> minter.bind(again));
    assertEquals(Reason.POP_KEY_MISMATCH, assertInstanceOf(Verification.Rejected.class,
        verify(bound, proof(mallory, bound, body), Purpose.BIND)).reason());
  }

  @Test
  void bindFact_appendedTwice_isBadLineage() {
    String root = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Principal pending = assertInstanceOf(Verification.Accepted.class,
        verify(root, proof(alice, root, body), Purpose.BIND)).principal();
    String bound = minter.bind(pending);
    // Re-derive a second bind through a forged principal is impossible; splice the first bind fact again.
    Macaroon m = Macaroon.parseTextUnchecked(bound);
    String spliced = m.withCaveat(m.caveat(m.caveatCount() - 1)).toText();
    assertEquals(Reason.FORGED_FACT, assertInstanceOf(Verification.Rejected.class,
        verify(spliced, proof(alice, spliced, body), Purpose.USE)).reason());
  }

  @Test
  void bindAt_newEpoch_boundTokenLivesAndEveryUnboundCopyDiesWithTheWatermark() {
    String root = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Principal parent = assertInstanceOf(Verification.Accepted.class, Fixtures.verifyNow(verifier, root,
        Fixtures.get())).principal();
    String unbound = minter.delegate(parent, new TaskGrant(Fixtures.CHILD, 0, "codex",
        "urn:ephyr:task:" + Fixtures.ROOT, null, null, narrow()));
    // The holder narrows its copy before binding; the bound token keeps that narrowing.
    String narrowed = Macaroon.parseTextUnchecked(unbound).withCaveat("targets = web").toText();
    Principal pending = assertInstanceOf(Verification.Accepted.class,
        verify(narrowed, proof(alice, narrowed, body), Purpose.BIND)).principal();
    String bound = minter.bindAt(pending, 1);
    watermarks.marks.put(Fixtures.CHILD, 1L); // what the broker raises, acknowledged, before answering

    Principal p = assertInstanceOf(Verification.Accepted.class,
        verify(bound, proof(alice, bound, body), Purpose.USE)).principal();
    assertEquals(alice.jkt(), p.holder());
    assertEquals(1, p.actingTask().epoch());
    assertEquals(IdSet.of("web"), p.envelope().targets());
    assertEquals(Reason.POP_REQUIRED, assertInstanceOf(Verification.Rejected.class,
        verify(bound, null, Purpose.USE)).reason());
    for (String copy : new String[] {unbound, narrowed}) {
      assertEquals(Reason.REVOKED, assertInstanceOf(Verification.Rejected.class,
          Fixtures.verifyNow(verifier, copy, Fixtures.get())).reason());
    }
    // A bound task is not bound again, a principal without a proof cannot bind, and epochs only go up.
    assertThrows(IllegalArgumentException.class, () -> minter.bindAt(p, 2));
    Principal noProof = assertInstanceOf(Verification.Accepted.class,
        Fixtures.verifyNow(verifier, root, Fixtures.get())).principal();
    assertThrows(IllegalArgumentException.class, () -> minter.bindAt(noProof, 1));
    assertThrows(IllegalArgumentException.class, () -> minter.bindAt(pending, 0));
    assertThrows(IllegalArgumentException.class, () -> minter.bindAt(pending, Long.MAX_VALUE));
  }
}
