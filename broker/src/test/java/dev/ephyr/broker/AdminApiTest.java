package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.audit.AuditKeys;
import dev.ephyr.broker.audit.AuditVerifier;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.testing.Eventually;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin API of a three-node cluster in one JVM, driven over the clustered event bus and over HTTP:
 * revocation from a node that did not mint, the merged audit story of a task tree asked from a third node,
 * refused credentials (audited, never recorded or logged), credentials in URLs, policy drift.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTest {
  final TestKit kit = new TestKit();
  final String adminKey = ApiKeys.generate(TestKit.RANDOM);
  final String wrongKey = ApiKeys.generate(TestKit.RANDOM);
  final String auditorKey = ApiKeys.generate(TestKit.RANDOM);
  final List<Node> nodes = new ArrayList<>();
  final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  PrintStream originalErr;
  PrintStream originalOut;
  Node n1;
  Node n2;
  Node n3;

  @BeforeAll
  void start() throws Exception {
    // Every log line of the test goes through here too, to prove no credential is ever logged.
    originalErr = System.err;
    originalOut = System.out;
    System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(new Tee(originalOut, captured), true, StandardCharsets.UTF_8));
    String policy = kit.policyYaml() + "admins:\n  ops:\n    credential: \"" + ApiKeys.hash(adminKey) + "\"\n"
        + AUDITOR_START + "  auditor:\n    credential: \"" + ApiKeys.hash(auditorKey) + "\"\n" + AUDITOR_END;
    Files.writeString(kit.dir.resolve("policy.yaml"), policy);
    // n3 reads its own copy of the same policy, so the drift test can change it alone.
    Files.writeString(kit.dir.resolve("policy-n3.yaml"), policy);
    int p1 = TestKit.freePort();
    int p2 = TestKit.freePort();
    int p3 = TestKit.freePort();
    List<Integer> all = List.of(p1, p2, p3);
    n1 = TestKit.start(kit.config("n1", p1, all).build());
    nodes.add(n1);
    n2 = TestKit.start(kit.config("n2", p2, all).build());
    nodes.add(n2);
    n3 = TestKit.start(kit.config("n3", p3, all).policy(kit.dir.resolve("policy-n3.yaml")).build());
    nodes.add(n3);
    for (Node n : nodes) {
      TestKit.awaitReady(n);
    }
  }

  @AfterAll
  void stop() {
    try {
      for (Node n : nodes) {
        TestKit.close(n);
      }
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
  }

  /** Sends an admin message over the bus of {@code via}, handled by that node's admin verticle. */
  static JsonObject bus(Node via, String address, String credential, JsonObject args) {
    JsonObject msg = new JsonObject().put("args", args).put("request_id", "test-" + address);
    if (credential != null) {
      msg.put("credential", credential);
    }
    try {
      return (JsonObject) via.vertx().eventBus().request(address, msg, new DeliveryOptions().setLocalOnly(true)
          .setSendTimeout(30_000)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new AssertionError(address + " failed", e);
    }
  }

  private static final String AUDITOR_START = "# auditor\n";
  private static final String AUDITOR_END = "# end auditor\n";

  /** Signs the dashboard in on {@code n} and returns the session cookie's value. */
  static String signIn(Node n, String credential) {
    Http.Response r = Http.post("http://127.0.0.1:" + n.port() + "/admin/ui/session", Map.of("Content-Type",
        "application/json", "X-Ephyr-CSRF", "1"), new JsonObject().put("credential", credential).encode());
    assertEquals(200, r.status(), r.toString());
    String cookie = r.header("Set-Cookie");
    return cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
  }

  /** The headers the dashboard sends with its session. */
  static Map<String, String> asDashboard(String session) {
    return Map.of("Cookie", "ephyr_admin=" + session, "X-Ephyr-CSRF", "1");
  }

  static String mcp(Node n) {
    return "http://127.0.0.1:" + n.port() + "/mcp";
  }

  static String admin(Node n, String path) {
    return "http://127.0.0.1:" + n.port() + "/admin" + path;
  }

  @Test
  void revokeOnANodeThatDidNotMint_killsTheSubtreeEverywhere_andAThirdNodeTellsTheStory() {
    McpClient alice = McpClient.bearer(mcp(n1), kit.aliceKey);
    JsonObject root = alice.ok("task_create", new JsonObject().put("ttl", 600).put("can_delegate", true)
        .put("max_depth", 2).put("description", "story"));
    String rootTask = root.getString("task_id");
    JsonObject child = McpClient.bearer(mcp(n1), root.getString("token")).ok("task_delegate",
        new JsonObject().put("can_delegate", true).put("description", "child"));
    String childTask = child.getString("task_id");
    JsonObject grand = McpClient.bearer(mcp(n1), child.getString("token")).ok("task_delegate",
        new JsonObject().put("description", "grandchild"));
    String grandTask = grand.getString("task_id");
    assertEquals(200, McpClient.bearer(mcp(n2), child.getString("token")).rpc("ping", null).status());

    JsonObject revoked = bus(n2, Addresses.ADMIN_REVOKE, adminKey, new JsonObject().put("task_id", childTask));
    assertEquals(true, revoked.getValue("ok"), revoked.encode());
    JsonObject r = revoked.getJsonObject("result");
    assertEquals(true, r.getValue("acknowledged_by_all"), r.encode());
    assertEquals(3, r.getInteger("acknowledged"));
    assertEquals(1, r.getInteger("cascade_count"));

    for (Node n : nodes) {
      for (String token : List.of(child.getString("token"), grand.getString("token"))) {
        Http.Response refused = McpClient.bearer(mcp(n), token).rpc("ping", null);
        assertEquals(401, refused.status(), n + ": " + refused);
        assertEquals("revoked", refused.json().getString("error"));
      }
      assertEquals(200, McpClient.bearer(mcp(n), root.getString("token")).rpc("ping", null).status(),
          "the root is not in the revoked subtree");
    }

    // The whole story of the child's subtree, asked from the third node, merged from all three.
    List<String> story = new ArrayList<>();
    Eventually.await(Duration.ofSeconds(30), "the story to reach every audit file", () -> {
      JsonObject q = bus(n3, Addresses.ADMIN_AUDIT_QUERY, adminKey, new JsonObject().put("task", childTask));
      JsonArray recs = q.getJsonObject("result").getJsonArray("records");
      story.clear();
      for (Object o : recs) {
        JsonObject e = (JsonObject) o;
        story.add(e.getString("node") + " " + e.getString("decision") + " " + e.getString("event") + " "
            + e.getString("reason") + " task=" + e.getString("task") + " res=" + e.getString("resource"));
      }
      long revokedDenials = story.stream().filter(s -> s.contains(" deny ") && s.contains(" revoked ")).count();
      return revokedDenials >= 6 && story.stream().anyMatch(s -> s.contains("admin.revoke"));
    });
    String text = String.join("\n", story);
    int created = indexOf(story, "n1 allow tools/call task_delegate ok task=" + rootTask + " res=task:" + childTask);
    int grandCreated = indexOf(story, "n1 allow tools/call task_delegate ok task=" + childTask + " res=task:" + grandTask);
    int used = indexOf(story, "n2 allow ping ok task=" + childTask);
    int revoke = indexOf(story, "n2 allow admin.revoke ok task=null res=task:" + childTask);
    int denied = indexOf(story, "deny ping revoked task=" + grandTask);
    assertTrue(created >= 0 && grandCreated > created && used > grandCreated && revoke > used && denied > revoke,
        "the story out of order or incomplete:\n" + text);
    for (String node : List.of("n1", "n2", "n3")) {
      assertTrue(story.stream().anyMatch(s -> s.startsWith(node + " deny ping revoked")), node + " denial:\n" + text);
    }
    assertFalse(text.contains("res=task:" + rootTask), "the root's own creation is not the child's story:\n" + text);
    assertAllChainsIntact();
    assertEquals(0, nodes.stream().mapToLong(Node::blockedThreadWarnings).sum(), "an event loop was blocked");
  }

  @Test
  void failedAuthentication_badAndReplayedProofs_andBindFirst_areAllInTheTasksStory() {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bound = McpClient.bearer(mcp(n1), kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600)
        .put("holder_jkt", key.jkt()).put("can_delegate", true));
    String task = bound.getString("task_id");
    String token = bound.getString("token");
    assertEquals(401, McpClient.bearer(mcp(n1), token).rpc("ping", null).status(), "no proof");
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    String proof = DpopProofBuilder.forKey(key).method("POST").url(mcp(n1)).accessToken(token).body(body).build();
    Map<String, String> h = Map.of("Content-Type", "application/json", "Accept", "application/json",
        "Authorization", "DPoP " + token, "DPoP", proof);
    assertEquals(200, Http.send("POST", mcp(n1), h, body).status());
    assertEquals(401, Http.send("POST", mcp(n1), h, body).status(), "replayed");
    HolderKeyPair other = HolderKeyPair.generate(TestKit.RANDOM);
    String wrongKey = DpopProofBuilder.forKey(other).method("POST").url(mcp(n2)).accessToken(token).body(body).build();
    assertEquals(401, Http.send("POST", mcp(n2), Map.of("Content-Type", "application/json", "Accept",
        "application/json", "Authorization", "DPoP " + token, "DPoP", wrongKey), body).status(), "foreign key");
    JsonObject child = McpClient.dpop(mcp(n1), token, key).ok("task_delegate", new JsonObject().put("bind_within", 60));
    Http.Response locked = Http.get("http://127.0.0.1:" + n3.port() + "/v1/tasks", Map.of("Authorization",
        "Bearer " + child.getString("token")));
    assertEquals(423, locked.status(), locked.toString());
    assertEquals(401, McpClient.bearer(mcp(n2), ApiKeys.generate(TestKit.RANDOM)).rpc("ping", null).status());

    List<String> reasons = new ArrayList<>();
    Eventually.await(Duration.ofSeconds(30), "every refusal in the story", () -> {
      JsonObject q = bus(n2, Addresses.ADMIN_AUDIT_QUERY, adminKey, new JsonObject().put("task", task)
          .put("decision", "deny")).getJsonObject("result");
      reasons.clear();
      for (Object o : q.getJsonArray("records")) {
        JsonObject e = (JsonObject) o;
        assertEquals("alice", e.getString("agent"), e.encode());
        assertTrue(e.getJsonArray("lineage").contains(task), e.encode());
        reasons.add(e.getString("node") + ":" + e.getString("reason") + ":" + e.getInteger("status"));
      }
      return reasons.containsAll(List.of("n1:pop_required:401", "n1:replayed:401", "n2:pop_key_mismatch:401",
          "n3:bind_required:423"));
    });
    JsonObject unknownKey = bus(n1, Addresses.ADMIN_AUDIT_QUERY, adminKey, new JsonObject().put("decision", "deny")
        .put("limit", 5000)).getJsonObject("result");
    assertTrue(unknownKey.getJsonArray("records").stream().map(o -> (JsonObject) o)
        .anyMatch(e -> "n2".equals(e.getString("node")) && "invalid_api_key".equals(e.getString("reason"))
            && !e.containsKey("agent")), "a failed API key is recorded, naming nobody");
  }

  @Test
  void liveEvents_ofEveryNode_reachASubscriberOnAnother() {
    List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Batches are sealed by the writing node; a subscriber holding the keyring opens them.
    BusSeal seal = new BusSeal(kit.keyring, "test", java.time.Clock.systemUTC(), BusSeal.DEFAULT_WINDOW, (a, r) -> {});
    n3.vertx().eventBus().<Object>consumer(Addresses.AUDIT_LIVE, m -> {
      if (seal.openBroadcast(Addresses.AUDIT_LIVE, m.body()) instanceof Opened.Ok ok) {
        ok.body().getJsonArray("records").forEach(r -> seen.add((JsonObject) r));
      }
    }).completion()
        .toCompletionStage().toCompletableFuture().join();
    Eventually.await(Duration.ofSeconds(30), "a live record from n1", () -> {
      Http.get(admin(n1, "/status"), Map.of("Authorization", "Bearer " + adminKey));
      return seen.stream().anyMatch(e -> "n1".equals(e.getString("node")) && "admin.status".equals(e.getString("event"))
          && e.getValue("seq") instanceof Number && e.getString("mac").length() == 64);
    });
  }

  @Test
  void signOut_onOneNode_isRefusedOnEveryNodeOnceAcknowledged_andEndsTheSessionsStreamOnAnother() throws Exception {
    String session = signIn(n1, adminKey);
    for (Node n : nodes) {
      assertEquals(200, Http.get(admin(n, "/status"), asDashboard(session)).status(), n + " accepts the session");
    }
    String other = signIn(n1, adminKey); // the same admin in another browser
    try (LiveStream live = LiveStream.open(admin(n2, "/audit/live"), Map.of("Cookie", "ephyr_admin=" + session))) {
      Http.Response out = Http.send("DELETE", "http://127.0.0.1:" + n1.port() + "/admin/ui/session",
          asDashboard(session), null);
      assertEquals(204, out.status(), out.toString());
      assertTrue(out.header("Set-Cookie").startsWith("ephyr_admin=;"), out.header("Set-Cookie"));
      // Acknowledged: from now on every node refuses the cookie, with no waiting.
      for (Node n : nodes) {
        Http.Response after = Http.get(admin(n, "/status"), asDashboard(session));
        assertEquals(401, after.status(), n + " still accepts a signed-out session: " + after);
        assertTrue(after.json().getString("message").contains("session has ended"), after.toString());
      }
      live.awaitEnd(Duration.ofSeconds(30), "the session was signed out on n1");
      assertTrue(live.text().contains("event: ended"), live.text());
    }
    assertEquals(200, Http.get(admin(n3, "/status"), asDashboard(other)).status(), "another session lives on");
    Http.Response again = Http.send("DELETE", "http://127.0.0.1:" + n2.port() + "/admin/ui/session",
        asDashboard(session), null);
    assertEquals(204, again.status(), "signing out twice is harmless: " + again);
    Eventually.await(Duration.ofSeconds(30), "the sign-out in n1's audit", () -> Files.readString(
        AuditFiles.list(n1.config().audit().dir()).get(0)).contains("\"event\":\"admin.session.end\",\"decision\":\"allow\""));
  }

  @Test
  void liveStream_onOneNode_carriesTheRecordsOfTheOthers() throws Exception {
    // Writers publish only while a stream is open somewhere: n1 and n3 must learn of the one opened on n2.
    try (LiveStream live = LiveStream.open(admin(n2, "/audit/live"), Map.of("Authorization", "Bearer " + adminKey))) {
      for (Node n : List.of(n1, n3)) {
        String node = "\"node\":\"" + n.nodeId() + "\"";
        Eventually.await(Duration.ofSeconds(30), "a live record written by " + n.nodeId(), () -> {
          Http.get(admin(n, "/status"), Map.of("Authorization", "Bearer " + adminKey));
          return live.text().contains(node);
        });
      }
    }
  }

  @Test
  void removingAnAdminFromThePolicy_endsTheirLiveStreams_sessionAndCredential_withinSeconds() throws Exception {
    String session = signIn(n1, auditorKey);
    try (LiveStream viaSession = LiveStream.open(admin(n2, "/audit/live"), Map.of("Cookie", "ephyr_admin=" + session));
        LiveStream viaKey = LiveStream.open(admin(n3, "/audit/live"), Map.of("Authorization", "Bearer " + auditorKey))) {
      for (Path p : List.of(kit.dir.resolve("policy.yaml"), kit.dir.resolve("policy-n3.yaml"))) {
        String text = Files.readString(p);
        Files.writeString(p, text.substring(0, text.indexOf(AUDITOR_START))
            + text.substring(text.indexOf(AUDITOR_END) + AUDITOR_END.length()));
      }
      JsonObject reload = bus(n1, Addresses.ADMIN_POLICY_RELOAD, adminKey, new JsonObject().put("node", "all"));
      assertEquals(true, reload.getJsonObject("result").getValue("all_ok"), reload.encode());
      viaSession.awaitEnd(Duration.ofSeconds(30), "auditor was removed from the policy (session on n2)");
      viaKey.awaitEnd(Duration.ofSeconds(30), "auditor was removed from the policy (credential on n3)");
    }
    assertEquals(401, Http.get(admin(n1, "/status"), asDashboard(session)).status());
  }

  private static int indexOf(List<String> story, String prefix) {
    for (int i = 0; i < story.size(); i++) {
      if (story.get(i).startsWith(prefix) || story.get(i).contains(" " + prefix) || story.get(i).contains(prefix)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void missingOrWrongCredentials_areRefusedAndAudited_andNoSecretIsLoggedOrRecorded() throws Exception {
    Http.Response none = Http.get(admin(n1, "/status"), Map.of());
    assertEquals(401, none.status(), none.toString());
    assertEquals("admin_unauthorized", none.json().getString("error"));
    Http.Response wrong = Http.get(admin(n1, "/status"), Map.of("Authorization", "Bearer " + wrongKey));
    assertEquals(401, wrong.status());
    Http.Response agent = Http.get(admin(n2, "/tasks?agent=alice"), Map.of("Authorization", "Bearer " + kit.aliceKey));
    assertEquals(401, agent.status(), "an agent key is not an admin credential");
    JsonObject overBus = bus(n3, Addresses.ADMIN_REVOKE, wrongKey, new JsonObject().put("task_id",
        "01HZZZZZZZZZZZZZZZZZZZZZZZ"));
    assertEquals(401, overBus.getInteger("status"));
    Http.Response inUrl = Http.get(admin(n1, "/status?token=" + adminKey), Map.of());
    assertEquals(400, inUrl.status());
    assertEquals("credential_in_url", inUrl.json().getString("error"));
    Http.Response keyShaped = Http.get(admin(n1, "/audit?agent=" + adminKey), Map.of("Authorization", "Bearer "
        + adminKey));
    assertEquals(400, keyShaped.status(), "a key-shaped value in the URL is refused even with a good header");

    Http.Response ok = Http.get(admin(n1, "/status"), Map.of("Authorization", "Bearer " + adminKey));
    assertEquals(200, ok.status(), ok.toString());
    JsonObject status = ok.json();
    assertEquals(3, status.getInteger("members"));
    assertEquals(3, status.getInteger("ready_nodes"), status.encodePrettily());
    assertEquals(true, status.getValue("policy_hashes_agree"));
    assertEquals(3, status.getJsonArray("nodes").size());

    Eventually.await(Duration.ofSeconds(30), "refusals in the audit files", () -> {
      String audit = allAudit();
      return count(audit, "\"reason\":\"admin_unauthorized\"") >= 4 && audit.contains("\"reason\":\"credential_in_url\"");
    });
    String audit = allAudit();
    for (String secret : List.of(adminKey, wrongKey, kit.aliceKey)) {
      assertFalse(audit.contains(secret), "a credential reached the audit files");
      assertFalse(captured.toString(StandardCharsets.UTF_8).contains(secret), "a credential reached the logs");
    }
    assertTrue(audit.contains("\"event\":\"admin.status\",\"decision\":\"allow\""), "allowed calls are audited too");
    assertTrue(audit.contains("\"admin\":\"ops\""));
  }

  @Test
  void policyDrift_onOneNode_showsInStatus_andReloadsAreAudited() throws Exception {
    Path p3 = kit.dir.resolve("policy-n3.yaml");
    Files.writeString(p3, Files.readString(p3) + "# drift\ntemplates:\n  extra: { description: only on n3 }\n");
    JsonObject reload = bus(n1, Addresses.ADMIN_POLICY_RELOAD, adminKey, new JsonObject().put("node", "n3"));
    assertEquals(true, reload.getValue("ok"), reload.encode());
    // Drift is the cluster's check over the hashes members publish on reload: it shows within moments.
    Eventually.await(Duration.ofSeconds(30), "drift reported", () -> Boolean.FALSE.equals(bus(n2,
        Addresses.ADMIN_STATUS, adminKey, new JsonObject()).getJsonObject("result").getValue("policy_hashes_agree")));
    JsonObject st = bus(n2, Addresses.ADMIN_STATUS, adminKey, new JsonObject()).getJsonObject("result");
    assertEquals(false, st.getValue("policy_hashes_agree"), st.encodePrettily());
    for (Object o : st.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      assertEquals(n.getString("node").equals("n3"), n.getValue("policy_drift"), n.encode());
    }
    Files.writeString(p3, "version: 1\nagents: {{{ broken\n");
    JsonObject bad = bus(n1, Addresses.ADMIN_POLICY_RELOAD, adminKey, new JsonObject().put("node", "all"))
        .getJsonObject("result");
    assertEquals(false, bad.getValue("all_ok"), bad.encode());
    Files.writeString(p3, Files.readString(kit.dir.resolve("policy.yaml")));
    JsonObject back = bus(n1, Addresses.ADMIN_POLICY_RELOAD, adminKey, new JsonObject().put("node", "all"))
        .getJsonObject("result");
    assertEquals(true, back.getValue("all_ok"), back.encode());
    Eventually.await(Duration.ofSeconds(30), "agreement reported", () -> Boolean.TRUE.equals(bus(n3,
        Addresses.ADMIN_STATUS, adminKey, new JsonObject()).getJsonObject("result").getValue("policy_hashes_agree")));
    Eventually.await(Duration.ofSeconds(30), "reloads in n3's audit", () -> {
      String a = Files.readString(AuditFiles.list(n3.config().audit().dir()).get(0));
      return a.contains("\"event\":\"policy.reload\",\"decision\":\"deny\"")
          && a.contains("\"event\":\"admin.node.policy-reload\",\"decision\":\"allow\"");
    });
  }

  private String allAudit() throws Exception {
    StringBuilder b = new StringBuilder();
    for (Node n : nodes) {
      for (Path f : AuditFiles.list(n.config().audit().dir())) {
        b.append(Files.readString(f));
      }
    }
    return b.toString();
  }

  private void assertAllChainsIntact() {
    for (Node n : nodes) {
      try {
        Path dir = n.config().audit().dir();
        AuditVerifier.Report r = new AuditVerifier(AuditKeys.of(kit.keyring)).verify(AuditFiles.list(dir),
            dir.resolve(AuditFiles.HEAD));
        assertTrue(r.ok(), n + ": " + r);
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static int count(String text, String needle) {
    int c = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      c++;
    }
    return c;
  }

  /** Writes to two streams. */
  static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
