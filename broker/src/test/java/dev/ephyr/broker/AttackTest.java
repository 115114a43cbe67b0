package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.protocol.caveat.BrokerFacts;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §10 items 1–5 and 10 attacked through the HTTP surface of two real nodes (one cluster, one
 * shared public URL as behind a load balancer): every attack is answered with the right status and reason.
 */
class AttackTest {
  private static final String PUBLIC = "https://ephyr.test";
  private static TestKit kit;
  private static Node a;
  private static Node b;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    Node[] pair = kit.startPair(c -> c.publicUrl(PUBLIC));
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

  private static JsonObject create(JsonObject args) {
    return bearer(a, kit.aliceKey).ok("task_create", args);
  }

  private static String append(String token, String... caveats) throws Exception {
    Macaroon m = Macaroon.parseText(token);
    for (String c : caveats) {
      m = m.withCaveat(c);
    }
    return m.toText();
  }

  private static void assertRefused(Http.Response r, int status, String code) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.json().getString("error"), r.toString());
  }

  private static JsonObject envelope(McpClient c) {
    Http.Response r = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://whoami"));
    assertEquals(200, r.status(), r.toString());
    String text = r.json().getJsonObject("result").getJsonArray("contents").getJsonObject(0).getString("text");
    return new JsonObject(text).getJsonObject("envelope");
  }

  @Test
  void sessionIds_workOnEveryNode_andDeleteEndsThemEverywhere() {
    McpClient onA = bearer(a, kit.aliceKey);
    onA.initialize("2025-06-18");
    McpClient onB = bearer(b, kit.aliceKey);
    onB.sessionId = onA.sessionId;
    onB.version = null; // the session's version applies
    assertEquals(200, onB.rpc("ping", null).status(), "a session issued by A is valid on B");
    assertEquals(204, Http.send("DELETE", TestKit.localMcp(a), onA.headers("DELETE", null), null).status());
    Eventually.await(Duration.ofSeconds(10), "the end of the session to reach B",
        () -> onB.rpc("ping", null).status() == 404);
  }

  // ------------------------------------------------------------------------------------------ §10.1

  @Test
  void appendedCaveats_neverWiden() throws Exception {
    JsonObject t = create(new JsonObject().put("ttl", 300)
        .put("envelope", new JsonObject().put("targets", new JsonArray().add("web1"))));
    String widened = append(t.getString("token"), "targets = *", "targets = db1,web1,web2", "delegate = true",
        "depth <= 5", "expires < 9999999999", "roles = *");
    McpClient c = bearer(b, widened);
    JsonObject env = envelope(c);
    assertEquals(new JsonArray().add("web1"), env.getJsonArray("targets"));
    assertFalse(env.getBoolean("delegate"));
    assertEquals(t.getJsonObject("envelope").getString("expires_at"), env.getString("expires_at"));
    assertFalse(McpEndpointTest.names(c.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"))
        .contains("task_delegate"));
    assertEquals("delegation_not_allowed", c.toolError("task_delegate", null));
    // Narrowing caveats do narrow.
    JsonObject narrowed = envelope(bearer(a, append(t.getString("token"), "targets = -")));
    assertEquals(new JsonArray(), narrowed.getJsonArray("targets"));
  }

  // ------------------------------------------------------------------------------------------ §10.2

  @Test
  void forgedAndMovedBrokerFacts_areRefused() throws Exception {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    String token = root.getString("token");
    String ulid = UlidGenerator.systemDefault().next();
    String forgedTask = BrokerFacts.withTag(BrokerFacts.taskBody(ulid, 0, "alice", "urn:ephyr:agent:alice", null, null),
        "AAAAAAAAAAAAAAAAAAAAAA");
    assertRefused(bearer(a, append(token, forgedTask)).rpc("ping", null), 401, "forged_fact");
    HolderKeyPair mine = HolderKeyPair.generate(TestKit.RANDOM);
    String forgedBind = BrokerFacts.withTag(BrokerFacts.bindBody(root.getString("task_id"), mine.jkt()),
        "AAAAAAAAAAAAAAAAAAAAAA");
    assertRefused(bearer(b, append(token, forgedBind)).rpc("ping", null), 401, "forged_fact");

    // Move the child's (validly tagged) task fact onto the parent: its tag no longer matches its position.
    JsonObject child = bearer(a, token).ok("task_delegate", new JsonObject().put("envelope",
        new JsonObject().put("targets", new JsonArray().add("web1"))));
    Macaroon cm = Macaroon.parseText(child.getString("token"));
    String childFact = cm.caveatText(cm.caveatCount() - 1);
    assertTrue(childFact.startsWith("task "), childFact);
    Http.Response moved = bearer(b, append(token, childFact)).rpc("ping", null);
    assertRefused(moved, 401, "forged_fact");
    assertTrue(moved.header("WWW-Authenticate").contains("invalid_token"));
    // A bind-by deadline cannot be stripped or added by the holder either: the fact is one tagged unit.
    JsonObject pending = create(new JsonObject().put("ttl", 300).put("bind_within", 60));
    Macaroon pm = Macaroon.parseText(pending.getString("token"));
    String fact = pm.caveatText(pm.caveatCount() - 1);
    String stripped = fact.replaceAll("bind-by=\\d+", "bind-by=-");
    List<byte[]> caveats = new java.util.ArrayList<>();
    for (int i = 0; i < pm.caveatCount() - 1; i++) {
      caveats.add(pm.caveat(i));
    }
    caveats.add(stripped.getBytes(StandardCharsets.UTF_8));
    String tampered = Macaroon.of(pm.location(), pm.identifier(), caveats, pm.signature()).toText();
    assertRefused(bearer(a, tampered).rpc("ping", null), 401, "bad_signature");
  }

  // ------------------------------------------------------------------------------------------ §10.3

  @Test
  void revokedSubtree_isRejectedOnBothNodes_onceTheRevokeAnswers() {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject child = bearer(b, root.getString("token")).ok("task_delegate", new JsonObject().put("can_delegate", true));
    JsonObject grand = bearer(a, child.getString("token")).ok("task_delegate", null);
    assertEquals(200, bearer(b, grand.getString("token")).rpc("ping", null).status());
    JsonObject revoke = bearer(b, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", root.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"));
    assertEquals(2, revoke.getInteger("members"));
    for (Node n : List.of(a, b)) {
      for (String tok : List.of(root.getString("token"), child.getString("token"), grand.getString("token"))) {
        assertRefused(bearer(n, tok).rpc("ping", null), 401, "revoked");
      }
    }
  }

  /**
   * Revoke authorises with point reads (the task's record, and its root's for another agent's task): who may
   * revoke what is the same as the tree said. Bob's key cannot revoke Alice's root, nor a token its parent; Alice's
   * key revokes Bob's task in a tree she rooted, with the subtree's size beside the acknowledgement.
   */
  @Test
  void revoke_byPointReads_keepsWhoMayRevokeWhat() {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject bobs = bearer(b, root.getString("token")).ok("task_delegate",
        new JsonObject().put("agent", "bob").put("can_delegate", true));
    JsonObject grand = bearer(a, bobs.getString("token")).ok("task_delegate", null);
    assertEquals("not_found", bearer(b, kit.bobKey).toolError("task_revoke",
        new JsonObject().put("task_id", root.getString("task_id"))));
    assertEquals("not_found", bearer(a, bobs.getString("token")).toolError("task_revoke",
        new JsonObject().put("task_id", root.getString("task_id"))));
    assertEquals("not_found", bearer(a, kit.bobKey).toolError("task_revoke",
        new JsonObject().put("task_id", "0".repeat(26))));
    assertEquals(200, bearer(a, root.getString("token")).rpc("ping", null).status(), "the root lives");
    // cascade_count is read from B's listing index (display only), which learns of the grandchild made through A
    // from the map's event: wait for it, so the count below is exact.
    Eventually.await(Duration.ofSeconds(10), "B's listing index to hold the grandchild", () -> b.cluster().tasks()
        .listByRootForDisplay(root.getString("task_id")).toCompletableFuture().join().stream()
        .anyMatch(r -> r.taskId().equals(grand.getString("task_id"))));
    JsonObject revoke = bearer(b, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", bobs.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"));
    assertEquals(1, revoke.getInteger("cascade_count"));
    for (Node n : List.of(a, b)) {
      assertRefused(bearer(n, grand.getString("token")).rpc("ping", null), 401, "revoked");
      assertEquals(200, bearer(n, root.getString("token")).rpc("ping", null).status(), "the root still lives");
    }
  }

  // ------------------------------------------------------------------------------------------ §10.4

  @Test
  void dpopProofs_replayOnAnotherNode_andEveryMismatch() {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    String token = create(new JsonObject().put("ttl", 300).put("holder_jkt", key.jkt())).getString("token");
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    String proof = DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/mcp").accessToken(token).body(body).build();
    Map<String, String> h = Map.of("Content-Type", "application/json", "Authorization", "DPoP " + token, "DPoP", proof);
    assertEquals(200, Http.send("POST", TestKit.localMcp(a), h, body).status());
    Http.Response replay = Http.send("POST", TestKit.localMcp(b), h, body);
    assertRefused(replay, 401, "replayed");
    assertTrue(replay.header("WWW-Authenticate").contains("invalid_dpop_proof"), replay.header("WWW-Authenticate"));
    assertRefused(Http.send("POST", TestKit.localMcp(a), h, body), 401, "replayed");

    HolderKeyPair other = HolderKeyPair.generate(TestKit.RANDOM);
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/other")
        .accessToken(token).body(body).build()), 401, "pop_url_mismatch");
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(key).method("GET").url(PUBLIC + "/mcp")
        .accessToken(token).body(body).build()), 401, "pop_method_mismatch");
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/mcp")
        .accessToken(token).body("{}".getBytes()).build()), 401, "pop_body_mismatch");
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/mcp")
        .accessToken(token + "x").body(body).build()), 401, "pop_token_mismatch");
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(other).method("POST").url(PUBLIC + "/mcp")
        .accessToken(token).body(body).build()), 401, "pop_key_mismatch");
    assertRefused(withProof(token, body, DpopProofBuilder.forKey(key).method("POST").url(PUBLIC + "/mcp")
        .accessToken(token).body(body).issuedAt(Instant.now().minusSeconds(600)).build()), 401, "pop_stale");
    assertRefused(withProof(token, body, "not.a.proof"), 401, "pop_invalid");
    assertRefused(Http.send("POST", TestKit.localMcp(b), Map.of("Content-Type", "application/json",
        "Authorization", "DPoP " + token), body), 401, "pop_required");
  }

  @Test
  void dpopScheme_withUnboundToken_checksTheProofItClaims() {
    // RFC 9449 §7.1: the DPoP scheme and a DPoP header are checked even where an unbound token needs neither.
    String token = create(new JsonObject().put("ttl", 300)).getString("token");
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    assertRefused(withProof(token, body, "not.a.proof"), 401, "pop_invalid");
    assertRefused(Http.send("POST", TestKit.localMcp(b), Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + token, "DPoP", "not.a.proof"), body), 401, "pop_invalid");
    assertRefused(Http.send("POST", TestKit.localMcp(b), Map.of("Content-Type", "application/json",
        "Authorization", "DPoP " + token), body), 401, "pop_required");
    HolderKeyPair any = HolderKeyPair.generate(TestKit.RANDOM);
    String proof = DpopProofBuilder.forKey(any).method("POST").url(PUBLIC + "/mcp").accessToken(token).body(body).build();
    assertEquals(200, withProof(token, body, proof).status());
    assertRefused(withProof(token, body, proof), 401, "replayed");
    assertEquals(200, Http.send("POST", TestKit.localMcp(b), Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + token), body).status());
  }

  private static Http.Response withProof(String token, byte[] body, String proof) {
    return Http.send("POST", TestKit.localMcp(b), Map.of("Content-Type", "application/json", "Authorization", "DPoP " + token,
        "DPoP", proof), body);
  }

  // ------------------------------------------------------------------------------------------ §10.5

  @Test
  void taskTokens_cannotCreateRoots_revokedTreesCannotMint() {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    McpClient t = bearer(b, root.getString("token"));
    assertEquals("task_token_cannot_create", t.toolError("task_create", null));
    Http.Response rest = Http.post("http://127.0.0.1:" + a.port() + "/v1/tasks", Map.of("Authorization",
        "Bearer " + root.getString("token"), "Content-Type", "application/json"), "{}");
    assertRefused(rest, 403, "task_token_cannot_create");
    bearer(a, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", root.getString("task_id")));
    assertRefused(t.call("task_delegate", null), 401, "revoked");
    Http.Response viaArg = bearer(a, kit.aliceKey).call("task_delegate",
        new JsonObject().put("parent_token", root.getString("token")));
    assertEquals("revoked", viaArg.json().getJsonObject("result").getJsonObject("structuredContent").getString("error"));
  }

  @Test
  void delegationBeyondDepth_isRefused() {
    // alice's policy allows depth ≤ 2.
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject d1 = bearer(a, root.getString("token")).ok("task_delegate", new JsonObject().put("can_delegate", true));
    JsonObject d2 = bearer(b, d1.getString("token")).ok("task_delegate", new JsonObject().put("can_delegate", true));
    McpClient deepest = bearer(a, d2.getString("token"));
    assertFalse(McpEndpointTest.names(deepest.rpc("tools/list", null).json().getJsonObject("result")
        .getJsonArray("tools")).contains("task_delegate"));
    assertEquals("depth_exceeded", deepest.toolError("task_delegate", null));
    // Appending a looser depth caveat changes nothing.
    String loosened;
    try {
      loosened = append(d2.getString("token"), "depth <= 5");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertEquals("depth_exceeded", bearer(b, loosened).toolError("task_delegate", null));
    // A child whose own depth limit is its depth cannot delegate.
    JsonObject capped = bearer(a, root.getString("token")).ok("task_delegate",
        new JsonObject().put("can_delegate", true).put("max_depth", 1));
    assertEquals("depth_exceeded", bearer(a, capped.getString("token")).toolError("task_delegate", null));
  }

  @Test
  void unboundChild_isLockedUntilBound_andTheDeadlineHolds() {
    JsonObject root = create(new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject child = bearer(a, root.getString("token")).ok("task_delegate", new JsonObject().put("bind_within", 60));
    String token = child.getString("token");
    Http.Response locked = bearer(b, token).call("task_list", null);
    assertRefused(locked, 423, "bind_required");
    assertTrue(locked.json().getString("message").startsWith("bind first"));
    Http.Response rest = Http.get("http://127.0.0.1:" + b.port() + "/v1/tasks", Map.of("Authorization", "Bearer " + token));
    assertRefused(rest, 423, "bind_required");
    assertRefused(bearer(a, token).call("task_bind", null), 401, "pop_required");

    JsonObject quick = bearer(a, root.getString("token")).ok("task_delegate", new JsonObject().put("bind_within", 1));
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    // Wait for the deadline without binding (a successful bind would move the task to a new epoch and the
    // pending copy would then be refused as revoked, not as late).
    McpClient parent = bearer(a, root.getString("token"));
    Eventually.await(Duration.ofSeconds(30), "the bind deadline to pass", () -> "bind_expired".equals(
        parent.ok("task_info", new JsonObject().put("task_id", quick.getString("task_id"))).getString("status")));
    assertRefused(McpClient.dpop(TestKit.localMcp(b), quick.getString("token"), key, PUBLIC + "/mcp").call("task_bind", null),
        401, "bind_expired");
  }

  // ----------------------------------------------------------------------------------------- §10.10

  @Test
  void malformedAndOversizedJsonRpc_getClearErrors() {
    McpClient c = bearer(a, kit.aliceKey);
    byte[] big = new byte[2 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    Http.Response tooBig = Http.send("POST", TestKit.localMcp(a), c.headers("POST", null), big);
    assertEquals(413, tooBig.status(), tooBig.toString());
    assertEquals(-32600, tooBig.json().getJsonObject("error").getInteger("code"));
    assertTrue(tooBig.json().getJsonObject("error").getString("message").contains("1048576"));
    Http.Response chunked = Http.sendChunked(TestKit.localMcp(b), c.headers("POST", null), big);
    assertEquals(413, chunked.status(), "a chunked body is limited as well: " + chunked);

    assertRpcError(c.raw("{"), 400, -32700);
    assertRpcError(c.raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}"), 400, -32700);
    assertRpcError(c.raw("[".repeat(5000) + "]".repeat(5000)), 400, -32700);
    assertRpcError(c.raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing"), 400, -32700);
    assertRpcError(c.raw("42"), 400, -32600);
    assertRpcError(c.raw("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}"), 400, -32600);
    assertRpcError(c.raw("{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"ping\"}"), 400, -32600);
    assertRpcError(c.raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}"), 400, -32600);
    assertRpcError(c.raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}"), 200, -32602);
    c.version = "2025-03-26";
    assertRpcError(c.raw("[]"), 400, -32600);
    assertRpcError(c.raw("[" + "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},".repeat(33) + "1]"), 400, -32600);
    c.version = "2025-11-25";
    Map<String, String> textPlain = new HashMap<>(c.headers("POST", null));
    textPlain.put("Content-Type", "text/plain");
    assertEquals(415, Http.send("POST", TestKit.localMcp(a), textPlain, "{}".getBytes()).status());
    Map<String, String> noJson = new HashMap<>(c.headers("POST", null));
    noJson.put("Accept", "text/html");
    assertEquals(406, Http.send("POST", TestKit.localMcp(a), noJson, "{}".getBytes()).status());
    assertEquals(200, c.rpc("ping", null).status(), "still serving");
  }

  private static void assertRpcError(Http.Response r, int status, int code) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.json().getJsonObject("error").getInteger("code"), r.toString());
  }

  @Test
  void badCredentialsOfEveryKind() throws Exception {
    String good = create(new JsonObject().put("ttl", 300)).getString("token");
    assertRefused(bearer(a, "mac_%%%not-base64").rpc("ping", null), 401, "malformed");
    assertRefused(bearer(a, "mac_" + "A".repeat(11_000)).rpc("ping", null), 401, "malformed");
    assertRefused(bearer(a, "mac_AgEGZXBoeXI").rpc("ping", null), 401, "malformed");
    Macaroon m = Macaroon.parseText(good);
    byte[] sig = m.signature();
    sig[3] ^= 1;
    List<byte[]> cav = new java.util.ArrayList<>();
    for (int i = 0; i < m.caveatCount(); i++) {
      cav.add(m.caveat(i));
    }
    assertRefused(bearer(a, Macaroon.of(m.location(), m.identifier(), cav, sig).toText()).rpc("ping", null), 401,
        "bad_signature");
    Keyring foreign = Keyring.generate("k9", TestKit.RANDOM);
    assertRefused(bearer(a, mint(foreign, Instant.now().plusSeconds(300), false)).rpc("ping", null), 401, "unknown_key");
    Keyring sameKid = Keyring.generate("k1", TestKit.RANDOM);
    assertRefused(bearer(a, mint(sameKid, Instant.now().plusSeconds(300), false)).rpc("ping", null), 401, "bad_signature");
    assertRefused(bearer(b, mint(kit.keyring, Instant.now().minusSeconds(5), false)).rpc("ping", null), 401, "expired");
    assertRefused(bearer(a, append(good, "color = blue")).rpc("ping", null), 401, "unknown_caveat");
    assertRefused(bearer(a, append(good, "targets < web1")).rpc("ping", null), 401, "invalid_caveat");
    // A task fact under a parent that may not delegate, validly tagged (only the key holder can do this).
    String noDelegate = mint(kit.keyring, Instant.now().plusSeconds(300), false);
    Macaroon nd = Macaroon.parseText(noDelegate);
    String body = BrokerFacts.taskBody(UlidGenerator.systemDefault().next(), 0, "alice", "urn:ephyr:task:x", null, null);
    String tag = kit.keyring.hopKey("k1").tag(nd.signature(), body.getBytes(StandardCharsets.US_ASCII));
    assertRefused(bearer(a, nd.withCaveat(BrokerFacts.withTag(body, tag)).toText()).rpc("ping", null), 401,
        "bad_lineage");

    assertRefused(bearer(a, "ek_not-a-key").rpc("ping", null), 401, "invalid_api_key");
    Http.Response none = Http.post(TestKit.localMcp(a), Map.of("Content-Type", "application/json"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    assertRefused(none, 401, "unauthenticated");
    assertTrue(none.header("WWW-Authenticate").contains("Bearer"));
    assertRefused(Http.post(TestKit.localMcp(a), Map.of("Content-Type", "application/json", "Authorization", "Basic YTpi"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"), 401, "unauthenticated");
    Http.Response hugeHeader = Http.post(TestKit.localMcp(a), Map.of("Content-Type", "application/json", "Authorization",
        "Bearer " + "x".repeat(40_000)), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    assertTrue(hugeHeader.status() >= 400 && hugeHeader.status() < 500, hugeHeader.toString());
    // The server closes that connection; the client may first try a pooled connection that is already gone.
    Eventually.await(Duration.ofSeconds(10), "the node still serving",
        () -> bearer(a, good).rpc("ping", null).status() == 200);
  }

  private static String mint(Keyring keyring, Instant expires, boolean delegate) {
    Envelope.Builder e = Envelope.builder().expiresAt(expires.getEpochSecond()).delegate(delegate).maxDepth(2)
        .tools(ToolGrant.NONE);
    for (Dimension d : Dimension.values()) {
      e.set(d, IdSet.NONE);
    }
    return new TokenMinter(keyring).mintRoot(new TaskGrant(UlidGenerator.systemDefault().next(), 0, "alice",
        "urn:ephyr:agent:alice", null, null, e.build()));
  }
}
