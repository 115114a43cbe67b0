package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.EntryView;
import com.hazelcast.map.IMap;
import dev.ephyr.broker.auth.AuthResult;
import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Credentials;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.ReplayCheck;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks on task epochs through two real nodes: a reissue whose watermark would be forgotten before the
 * task's other copies expire, unbound copies that outlive a bind, and a request whose proof is still being
 * spent when a revoke is acknowledged. Watermarks are kept only one second past their expiry here, so a
 * watermark kept for the wrong lifetime is forgotten within the test.
 */
class TaskEpochAttackTest {
  private static final String PUBLIC = "https://ephyr.test";
  private static final String WATERMARKS = "ephyr.watermarks";
  private static TestKit kit;
  private static Node a;
  private static Node b;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    Node[] pair = kit.startPair(c -> c.publicUrl(PUBLIC)
        .set("cluster.watermark-retention", "1s")
        .set("cluster.mirror-reload-interval", "1s"));
    a = pair[0];
    b = pair[1];
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(a, b);
  }

  private static McpClient bearer(Node n, String credential) {
    return McpClient.bearer(TestKit.localMcp(n), credential);
  }

  private static McpClient bound(Node n, String token, HolderKeyPair key) {
    return McpClient.dpop(TestKit.localMcp(n), token, key, PUBLIC + "/mcp");
  }

  private static JsonObject create(JsonObject args) {
    return bearer(a, kit.aliceKey).ok("task_create", args);
  }

  private static void assertRefused(Http.Response r, int status, String code) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.json().getString("error"), r.toString());
  }

  private static String toolErrorCode(Http.Response r) {
    assertEquals(200, r.status(), r.toString());
    JsonObject result = r.json().getJsonObject("result");
    assertTrue(result.getBoolean("isError"), r.toString());
    return result.getJsonObject("structuredContent").getString("error");
  }

  /** When the cluster will forget {@code task}'s watermark (millis), read from the replicated map itself. */
  private static long watermarkKeptUntil(Node n, String task) {
    IMap<String, Object> map = n.cluster().hazelcast().getMap(WATERMARKS);
    EntryView<String, Object> view = map.getEntryView(task);
    assertTrue(view != null, "no watermark stored for " + task);
    return view.getExpirationTime();
  }

  // ----------------------------------------------------------------------------- reissue lifetime

  @Test
  void reissueOfAShortenedCopy_keepsTheOriginalDeadForTheTasksWholeLifetime() throws Exception {
    JsonObject t = create(new JsonObject().put("ttl", 3600));
    String task = t.getString("task_id");
    String original = t.getString("token");
    long shortExpiry = Instant.now().getEpochSecond() + 3;
    Macaroon shortened = Macaroon.parseText(original).withCaveat("expires < " + shortExpiry);
    // The documented "found a leaked token" flow, fed the holder's shortened copy.
    JsonObject re = bearer(b, kit.aliceKey).ok("task_reissue", new JsonObject().put("token", shortened.toText()));
    assertTrue(re.getBoolean("acknowledged_by_all"), re.encode());
    for (Node n : List.of(a, b)) {
      assertRefused(bearer(n, original).rpc("ping", null), 401, "revoked");
    }

    // A control watermark that expires after the shortened copy would have: once every node has forgotten it,
    // a watermark kept for the shortened copy's lifetime would be gone too.
    JsonObject control = create(new JsonObject().put("ttl", 5));
    String controlId = control.getString("task_id");
    assertTrue(bearer(a, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", controlId))
        .getBoolean("acknowledged_by_all"));
    Eventually.await(Duration.ofSeconds(60), "the control watermark to be forgotten on both nodes",
        () -> a.cluster().watermarks().watermark(controlId) == 0 && b.cluster().watermarks().watermark(controlId) == 0);
    for (Node n : List.of(a, b)) {
      assertRefused(bearer(n, original).rpc("ping", null), 401, "revoked");
    }
    long taskExpiry = Instant.parse(t.getString("expires_at")).toEpochMilli();
    assertTrue(watermarkKeptUntil(a, task) >= taskExpiry,
        "the watermark must be kept until the task itself expires, not until the presented copy does");
    // The task itself lives on at epoch 1 (the fresh token kept the holder's shorter expiry and is gone by now).
    JsonObject info = bearer(b, kit.aliceKey).ok("task_info", new JsonObject().put("task_id", task));
    assertEquals("active", info.getString("status"), info.encode());
    assertEquals(1, info.getLong("epoch"));
  }

  @Test
  void reissueOfATaskTheRegistryDoesNotKnow_keepsTheWatermarkForTheLongestPossibleLifetime() {
    // A valid token whose record is gone (here: never written) and which says it expires in a minute.
    Envelope.Builder e = Envelope.builder().expiresAt(Instant.now().plusSeconds(60).getEpochSecond()).delegate(false)
        .maxDepth(2).tools(ToolGrant.NONE);
    for (Dimension d : Dimension.values()) {
      e.set(d, IdSet.NONE);
    }
    String task = UlidGenerator.systemDefault().next();
    String orphan = new TokenMinter(kit.keyring).mintRoot(new TaskGrant(task, 0, "alice", "urn:ephyr:agent:alice",
        null, null, e.build()));
    JsonObject re = bearer(a, kit.aliceKey).ok("task_reissue", new JsonObject().put("token", orphan));
    assertTrue(re.getBoolean("acknowledged_by_all"), re.encode());
    long longest = Instant.now().plus(a.config().tasks().maxTtl()).toEpochMilli() - 60_000;
    assertTrue(watermarkKeptUntil(b, task) >= longest,
        "without a record the watermark must outlive any copy the policy allows (tasks.max-ttl)");
    assertRefused(bearer(b, orphan).rpc("ping", null), 401, "revoked");
  }

  // ------------------------------------------------------------------------------------------ bind

  @Test
  void bind_killsEveryUnboundCopy_onEveryNode_onceAcknowledged() throws Exception {
    JsonObject t = create(new JsonObject().put("ttl", 600).put("can_delegate", true));
    String unbound = t.getString("token");
    JsonObject before = bearer(a, unbound).ok("task_delegate", null);
    assertEquals(200, bearer(b, unbound).rpc("ping", null).status(), "a bearer copy works before the bind");

    // A thief keeps using an unbound copy on both nodes, in turn, while the owner binds on node a.
    List<long[]> uses = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<McpClient> thief = List.of(bearer(b, unbound), bearer(a, unbound));
    Thread racer = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        long started = System.nanoTime();
        int status = thief.get(i % 2).rpc("ping", null).status();
        synchronized (uses) {
          uses.add(new long[] {started, status});
        }
      }
    }, "unbound-copy-racer");
    racer.setDaemon(true);
    racer.start();
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bind;
    long answered;
    try {
      bind = bound(a, unbound, key).ok("task_bind", null);
      answered = System.nanoTime();
      Eventually.await(Duration.ofSeconds(30), "the racer to use the copy after the bind answered", () -> {
        synchronized (uses) {
          return uses.stream().filter(u -> u[0] > answered).count() >= 6;
        }
      });
    } finally {
      stop.set(true);
      racer.join(30_000);
    }
    synchronized (uses) {
      for (long[] u : uses) {
        if (u[0] > answered) {
          assertEquals(401, u[1], "an unbound copy was accepted after the bind answered");
        }
      }
    }
    assertTrue(bind.getBoolean("acknowledged_by_all"), bind.encode());
    assertEquals(1, bind.getLong("epoch"));
    for (Node n : List.of(a, b)) {
      assertRefused(bearer(n, unbound).rpc("ping", null), 401, "revoked");
      // Children delegated from the unbound token carried the old epoch in their lineage: they die with it.
      assertRefused(bearer(n, before.getString("token")).rpc("ping", null), 401, "revoked");
    }
    // The unbound copy cannot bring itself back through a reissue.
    assertEquals("revoked", toolErrorCode(bearer(a, kit.aliceKey).call("task_reissue",
        new JsonObject().put("token", unbound))));
    // The bound token works on the other node, and the record shows the epoch it was minted at.
    JsonObject info = bound(b, bind.getString("token"), key).ok("task_info", null);
    assertEquals("active", info.getString("status"), info.encode());
    assertEquals(1, info.getLong("epoch"));
    assertTrue(info.getBoolean("holder_bound"));
    // Reissuing the bound token moves on from the bind's epoch.
    JsonObject re = bound(a, bind.getString("token"), key).ok("task_reissue", null);
    assertEquals(2, re.getLong("epoch"));
    assertEquals("active", bound(b, re.getString("token"), key).ok("task_info", null).getString("status"));
  }

  @Test
  void twoPhaseBind_movesToANewEpochToo_soThePendingCopyIsDeadEverywhere() {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject child = bearer(a, root.getString("token")).ok("task_delegate", new JsonObject().put("bind_within", 60));
    String pending = child.getString("token");
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bind = bound(b, pending, key).ok("task_bind", null);
    HolderKeyPair thief = HolderKeyPair.generate(TestKit.RANDOM);
    for (Node n : List.of(a, b)) {
      assertRefused(bound(n, pending, thief).call("task_bind", null), 401, "revoked");
    }
    assertTrue(bind.getBoolean("acknowledged_by_all"), bind.encode());
    assertEquals(1, bind.getLong("epoch"));
    JsonObject info = bound(a, bind.getString("token"), key).ok("task_info", null);
    assertEquals("active", info.getString("status"), info.encode());
    assertEquals(1, info.getLong("epoch"));
  }

  // ------------------------------------------------------------------------------- in-flight revoke

  /** The real cluster replay check, held until released: the window a revoke can fall into. */
  private static final class HeldReplay implements ReplayCheck {
    private final ReplayCheck real;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final CountDownLatch asked = new CountDownLatch(1);

    HeldReplay(ReplayCheck real) {
      this.real = real;
    }

    @Override
    public CompletionStage<Boolean> firstUse(String key, Instant keepUntil) {
      asked.countDown();
      return released.thenCompose(v -> real.firstUse(key, keepUntil));
    }
  }

  @Test
  void revokeAcknowledgedWhileTheProofIsBeingSpent_refusesTheRequest() throws Exception {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject t = create(new JsonObject().put("ttl", 300).put("holder_jkt", key.jkt()));
    String token = t.getString("token");
    // Node a's own revocation view and replay store; only the replay answer is held back.
    HeldReplay held = new HeldReplay(a.cluster().replay());
    TokenVerifier verifier = TokenVerifier.builder(kit.keyring).watermarks(a.cluster().watermarks()).replay(held)
        .dpop(DpopVerifier.builder().build()).build();
    Policy policy = Policy.load(kit.dir.resolve("policy.yaml"));
    Authenticator authenticator = new Authenticator(() -> policy, verifier, null);
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    String proof = DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/mcp").accessToken(token).body(body)
        .build();
    Future<AuthResult> inFlight = authenticator.authenticate(Credentials.parse("DPoP " + token, proof),
        RequestFacts.builder("POST", PUBLIC + "/mcp").proof(proof).body(body).build(),
        a.vertx().getOrCreateContext(), Authenticator.BindPendingUse.REFUSE);
    assertTrue(held.asked.await(30, TimeUnit.SECONDS), "the token passed the synchronous checks");

    JsonObject revoke = bearer(b, kit.aliceKey).ok("task_revoke",
        new JsonObject().put("task_id", t.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    held.released.complete(null);

    AuthResult result = inFlight.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals("revoked", assertInstanceOf(AuthResult.Refused.class, result,
        "a request was accepted after its task's revoke was acknowledged").rejection().code());
    assertEquals(401, ((AuthResult.Refused) result).rejection().status());
    // The front of either node says the same for that token now.
    assertRefused(Http.send("POST", TestKit.localMcp(a), Map.of("Content-Type", "application/json", "Authorization",
        "DPoP " + token, "DPoP", proof), body), 401, "revoked");
  }
}
