package dev.ephyr.protocol.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * A revocation that lands while a request's proof is being spent (the asynchronous replay check) must
 * refuse that request: the verifier checks the watermarks again once the replay store has answered.
 */
class InFlightRevocationTest {
  private final HolderKeyPair key = HolderKeyPair.generate(Fixtures.deterministic(21));
  private final Fixtures.MapWatermarks watermarks = new Fixtures.MapWatermarks();
  private final HeldReplay replay = new HeldReplay();
  private final TokenVerifier verifier = Fixtures.verifier(Fixtures.keyring(), watermarks, replay);
  private final TokenMinter minter = new TokenMinter(Fixtures.keyring());
  private final byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);

  /** Holds every replay answer until {@link #release}: the window a revoke can fall into. */
  private static final class HeldReplay implements ReplayCheck {
    final CompletableFuture<Void> released = new CompletableFuture<>();
    volatile int asked;

    @Override
    public CompletionStage<Boolean> firstUse(String key, Instant keepUntil) {
      asked++;
      return released.thenApply(v -> true);
    }

    void release() {
      released.complete(null);
    }
  }

  private CompletionStage<Verification> startVerification(String token) {
    String proof = DpopProofBuilder.forKey(key).method("POST").url(Fixtures.URL).accessToken(token).body(body)
        .issuedAt(Fixtures.NOW).random(Fixtures.deterministic(22)).build();
    return verifier.verify(token, RequestFacts.builder("POST", Fixtures.URL).proof(proof).body(body).build());
  }

  @Test
  void verify_revokedWhileReplayCheckPending_isRevoked() {
    String token = minter.mintRoot(new TaskGrant(Fixtures.ROOT, 0, "claude", "urn:ephyr:agent:claude", key.jkt(),
        null, Fixtures.wide()));
    CompletionStage<Verification> pending = startVerification(token);
    assertEquals(1, replay.asked, "the synchronous checks passed and the proof is being spent");
    assertFalse(pending.toCompletableFuture().isDone());
    watermarks.marks.put(Fixtures.ROOT, WatermarkLookup.REVOKED); // the revoke is acknowledged here
    replay.release();
    Verification v = pending.toCompletableFuture().join();
    assertEquals(Reason.REVOKED, assertInstanceOf(Verification.Rejected.class, v).reason());
  }

  @Test
  void verify_ancestorReissuedWhileReplayCheckPending_isRevoked() {
    String root = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Principal parent = assertInstanceOf(Verification.Accepted.class,
        Fixtures.verifyNow(verifier, root, Fixtures.get())).principal();
    String child = minter.delegate(parent, new TaskGrant(Fixtures.CHILD, 0, "claude", "urn:ephyr:task:" + Fixtures.ROOT,
        key.jkt(), null, Fixtures.wide().intersect(Fixtures.wide())));
    CompletionStage<Verification> pending = startVerification(child);
    watermarks.marks.put(Fixtures.ROOT, 1L); // the root was reissued at epoch 1: every epoch-0 lineage dies
    replay.release();
    assertEquals(Reason.REVOKED, assertInstanceOf(Verification.Rejected.class,
        pending.toCompletableFuture().join()).reason());
  }

  @Test
  void verify_clusterLostWhileReplayCheckPending_isClusterUnavailable() {
    String token = minter.mintRoot(new TaskGrant(Fixtures.ROOT, 0, "claude", "urn:ephyr:agent:claude", key.jkt(),
        null, Fixtures.wide()));
    CompletionStage<Verification> pending = startVerification(token);
    watermarks.available = false;
    replay.release();
    assertEquals(Reason.CLUSTER_UNAVAILABLE, assertInstanceOf(Verification.Rejected.class,
        pending.toCompletableFuture().join()).reason());
  }

  @Test
  void verify_nothingChangedWhileReplayCheckPending_isAccepted() {
    String token = minter.mintRoot(new TaskGrant(Fixtures.ROOT, 0, "claude", "urn:ephyr:agent:claude", key.jkt(),
        null, Fixtures.wide()));
    CompletionStage<Verification> pending = startVerification(token);
    watermarks.marks.put("01JDQ4Y3ZK8M2N5P7R9S0T1V2Z", WatermarkLookup.REVOKED); // another task entirely
    replay.release();
    assertInstanceOf(Verification.Accepted.class, pending.toCompletableFuture().join());
  }

  @Test
  void recheck_afterVerification_seesLaterRevocations() {
    String token = minter.mintRoot(Fixtures.rootGrant(Fixtures.wide()));
    Principal p = assertInstanceOf(Verification.Accepted.class,
        Fixtures.verifyNow(verifier, token, Fixtures.get())).principal();
    assertInstanceOf(Verification.Accepted.class, verifier.recheck(p));
    watermarks.marks.put(Fixtures.ROOT, WatermarkLookup.REVOKED);
    assertEquals(Reason.REVOKED, assertInstanceOf(Verification.Rejected.class, verifier.recheck(p)).reason());
  }
}
