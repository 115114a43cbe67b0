package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One real node: the MCP transport, the task tools over raw HTTP, the REST mirror, health and metrics. */
class McpEndpointTest {
  private static TestKit kit;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    node = kit.startSolo("solo", "http.allowed-origins", "https://app.example");
  }

  @AfterAll
  static void stop() {
    long blocked = node == null ? 0 : node.blockedThreadWarnings();
    TestKit.close(node);
    assertEquals(0, blocked, "an event loop was blocked");
  }

  private McpClient alice() {
    return McpClient.bearer(node.mcpUrl(), kit.aliceKey);
  }

  @Test
  void initialize_negotiatesEachSupportedVersion_andFallsBackToLatest() {
    for (String v : List.of("2025-03-26", "2025-06-18", "2025-11-25")) {
      McpClient c = alice();
      Http.Response r = c.initialize(v);
      assertEquals(200, r.status(), r.toString());
      assertEquals(v, r.json().getJsonObject("result").getString("protocolVersion"));
      assertNotNull(c.sessionId, "a session id is issued");
    }
    Http.Response r = alice().initialize("1999-01-01");
    assertEquals("2025-11-25", r.json().getJsonObject("result").getString("protocolVersion"));
    assertEquals("ephyr", r.json().getJsonObject("result").getJsonObject("serverInfo").getString("name"));
  }

  @Test
  void sessionIds_areSelfAuthenticating_andEndedByDelete() {
    McpClient c = alice();
    c.initialize("2025-11-25");
    assertEquals(200, c.rpc("ping", null).status());
    String good = c.sessionId;
    c.sessionId = good.substring(0, good.length() - 2) + (good.endsWith("A") ? "BB" : "AA");
    assertEquals(404, c.rpc("ping", null).status(), "forged session id");
    McpClient bob = McpClient.bearer(node.mcpUrl(), kit.bobKey);
    bob.sessionId = good;
    assertEquals(404, bob.rpc("ping", null).status(), "another agent's session");
    c.sessionId = good;
    Http.Response del = Http.send("DELETE", node.mcpUrl(), c.headers("DELETE", null), null);
    assertEquals(204, del.status(), del.toString());
    assertEquals(404, c.rpc("ping", null).status(), "ended session");
    c.sessionId = null;
    assertEquals(200, c.rpc("ping", null).status(), "stateless requests need no session");
  }

  @Test
  void transport_notifications202_get405_unknownMethod_params() {
    McpClient c = alice();
    Http.Response n = c.raw("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    assertEquals(202, n.status());
    assertEquals("", n.body());
    Http.Response g = Http.get(node.mcpUrl(), Map.of("Accept", "text/event-stream"));
    assertEquals(405, g.status());
    assertEquals(-32601, c.rpc("no/such", null).json().getJsonObject("error").getInteger("code"));
    assertEquals(-32602, c.rpc("tools/call", new JsonObject()).json().getJsonObject("error").getInteger("code"));
    assertEquals(-32602, c.call("no_such_tool", null).json().getJsonObject("error").getInteger("code"));
    assertEquals(-32602, c.call("task_create", new JsonObject().put("ttl", true)).json()
        .getJsonObject("error").getInteger("code"), "bad argument type");
    assertEquals(-32602, c.call("task_create", new JsonObject().put("bogus", 1)).json()
        .getJsonObject("error").getInteger("code"), "unknown argument");
    Http.Response badVersion = Http.send("POST", node.mcpUrl(), Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + kit.aliceKey, "MCP-Protocol-Version", "2024-01-01"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes());
    assertEquals(400, badVersion.status());
  }

  @Test
  void origin_allowList_absentOriginAllowed() {
    McpClient c = alice();
    Map<String, String> h = new java.util.HashMap<>(c.headers("POST", null));
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes();
    h.put("Origin", "https://evil.example");
    Http.Response bad = Http.send("POST", node.mcpUrl(), h, body);
    assertEquals(403, bad.status());
    assertEquals("origin_not_allowed", bad.json().getString("error"));
    h.put("Origin", "https://app.example");
    assertEquals(200, Http.send("POST", node.mcpUrl(), h, body).status());
  }

  @Test
  void batches_onlyIn2025_03_26() {
    McpClient c = alice();
    c.version = "2025-03-26";
    Http.Response r = c.raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"},{\"foo\":1}]");
    assertEquals(200, r.status(), r.toString());
    JsonArray a = r.array();
    assertEquals(3, a.size());
    assertEquals(-32600, a.getJsonObject(2).getJsonObject("error").getInteger("code"));
    c.version = "2025-06-18";
    Http.Response refused = c.raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    assertEquals(400, refused.status());
    assertEquals(-32600, refused.json().getJsonObject("error").getInteger("code"));
  }

  @Test
  void apiKey_runsEveryTaskTool() {
    McpClient c = alice();
    c.initialize("2025-11-25");
    List<String> tools = names(c.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"));
    assertEquals(List.of("task_create", "task_delegate", "task_info", "task_list", "task_revoke", "task_reissue"), tools);
    JsonObject root = c.ok("task_create", new JsonObject().put("description", "deploy").put("ttl", "10m")
        .put("can_delegate", true).put("envelope", new JsonObject().put("targets", new JsonArray().add("web1"))));
    String token = root.getString("token");
    assertTrue(token.startsWith("mac_"));
    assertEquals(new JsonArray().add("web1"), root.getJsonObject("envelope").getJsonArray("targets"));
    assertEquals(2, root.getInteger("max_depth"), "policy caps depth");
    JsonObject child = c.ok("task_delegate", new JsonObject().put("parent_token", token).put("ttl", 60));
    assertEquals(1, child.getInteger("depth"));
    assertEquals(root.getString("task_id"), child.getString("parent_task_id"));
    JsonObject info = c.ok("task_info", new JsonObject().put("task_id", child.getString("task_id")));
    assertEquals("active", info.getString("status"));
    List<String> listed = new ArrayList<>();
    c.ok("task_list", null).getJsonArray("tasks").forEach(o -> listed.add(((JsonObject) o).getString("task_id")));
    assertTrue(listed.containsAll(List.of(root.getString("task_id"), child.getString("task_id"))), listed.toString());
    JsonObject re = c.ok("task_reissue", new JsonObject().put("token", token));
    assertEquals(1, re.getInteger("epoch"));
    assertTrue(re.getBoolean("acknowledged_by_all"));
    JsonObject rev = c.ok("task_revoke", new JsonObject().put("task_id", root.getString("task_id")));
    assertTrue(rev.getBoolean("revoked"));
    assertEquals(1, rev.getInteger("cascade_count"));
    assertEquals("revoked_ancestor", c.ok("task_info", new JsonObject().put("task_id", child.getString("task_id")))
        .getString("status"));
    assertEquals("token_required", c.toolError("task_bind", null));
  }

  @Test
  void bearerTaskToken_runsTokenTools_andSeesOnlyItsTools() {
    JsonObject root = alice().ok("task_create", new JsonObject().put("can_delegate", true).put("ttl", 600));
    McpClient t = McpClient.bearer(node.mcpUrl(), root.getString("token"));
    t.initialize("2025-06-18");
    List<String> tools = names(t.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"));
    assertEquals(List.of("task_delegate", "task_bind", "task_info", "task_list", "task_revoke", "task_reissue"), tools);
    JsonObject child = t.ok("task_delegate", new JsonObject().put("envelope",
        new JsonObject().put("targets", new JsonArray().add("web2"))));
    McpClient ct = McpClient.bearer(node.mcpUrl(), child.getString("token"));
    List<String> childTools = names(ct.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"));
    assertFalse(childTools.contains("task_delegate"), "child without can_delegate sees no task_delegate");
    assertFalse(childTools.contains("task_create"));
    assertEquals("task_token_cannot_create", t.toolError("task_create", null));
    assertEquals(root.getString("task_id"), t.ok("task_info", null).getString("task_id"));
    assertEquals(2, t.ok("task_list", null).getInteger("count"));
    assertEquals(1, ct.ok("task_list", null).getInteger("count"), "a child sees only its subtree");
    assertEquals("not_found", ct.toolError("task_info", new JsonObject().put("task_id", root.getString("task_id"))));
    JsonObject whoami = new JsonObject(ct.rpc("resources/read", new JsonObject().put("uri", "ephyr://whoami")).json()
        .getJsonObject("result").getJsonArray("contents").getJsonObject(0).getString("text"));
    assertEquals(1, whoami.getInteger("depth"));
    assertEquals(new JsonArray().add("web2"), whoami.getJsonObject("envelope").getJsonArray("targets"));
    JsonObject re = ct.ok("task_reissue", null);
    assertEquals(401, ct.rpc("ping", null).status(), "old copy dies after reissue");
    McpClient fresh = McpClient.bearer(node.mcpUrl(), re.getString("token"));
    assertEquals(200, fresh.rpc("ping", null).status());
    assertTrue(fresh.ok("task_revoke", null).getBoolean("revoked"));
    Http.Response dead = fresh.rpc("ping", null);
    assertEquals(401, dead.status());
    assertEquals("revoked", dead.json().getString("error"));
    assertTrue(dead.header("WWW-Authenticate").contains("invalid_token"));
  }

  @Test
  void dpopBoundToken_requiresProofs_andTwoPhaseBind() {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bound = alice().ok("task_create", new JsonObject().put("holder_jkt", key.jkt()).put("ttl", 600));
    McpClient withProof = McpClient.dpop(node.mcpUrl(), bound.getString("token"), key);
    assertEquals(200, withProof.initialize("2025-11-25").status());
    assertEquals(bound.getString("task_id"), withProof.ok("task_info", null).getString("task_id"));
    Http.Response noProof = McpClient.bearer(node.mcpUrl(), bound.getString("token")).rpc("ping", null);
    assertEquals(401, noProof.status());
    assertEquals("pop_required", noProof.json().getString("error"));
    assertTrue(noProof.header("WWW-Authenticate").startsWith("DPoP"));

    // Two-phase: the unbound child is good only for task_bind; the bind returns a bound token.
    JsonObject pending = alice().ok("task_create", new JsonObject().put("bind_within", 60).put("ttl", 600));
    McpClient early = McpClient.bearer(node.mcpUrl(), pending.getString("token"));
    assertEquals(200, early.initialize("2025-11-25").status(), "plumbing is allowed before binding");
    assertEquals(List.of("task_bind"), names(early.rpc("tools/list", null).json().getJsonObject("result")
        .getJsonArray("tools")));
    Http.Response locked = early.call("task_info", null);
    assertEquals(423, locked.status());
    assertEquals("bind_required", locked.json().getString("error"));
    assertTrue(locked.json().getString("message").startsWith("bind first"));
    HolderKeyPair childKey = HolderKeyPair.generate(TestKit.RANDOM);
    McpClient binder = McpClient.dpop(node.mcpUrl(), pending.getString("token"), childKey);
    JsonObject b = binder.ok("task_bind", null);
    assertEquals(childKey.jkt(), b.getString("holder_jkt"));
    McpClient after = McpClient.dpop(node.mcpUrl(), b.getString("token"), childKey);
    assertEquals("active", after.ok("task_info", null).getString("status"));
    HolderKeyPair thief = HolderKeyPair.generate(TestKit.RANDOM);
    Http.Response late = McpClient.dpop(node.mcpUrl(), pending.getString("token"), thief).call("task_bind", null);
    assertEquals(401, late.status(), "the bind moved the task to a new epoch: the pending copy is dead");
    assertEquals("revoked", late.json().getString("error"));
  }

  @Test
  void requirePop_policy_refusesUnboundTokens() {
    McpClient carol = McpClient.bearer(node.mcpUrl(), kit.carolKey);
    JsonObject t = carol.ok("task_create", new JsonObject().put("ttl", 300));
    Http.Response r = McpClient.bearer(node.mcpUrl(), t.getString("token")).rpc("ping", null);
    assertEquals(401, r.status());
    assertEquals("pop_required", r.json().getString("error"));
  }

  @Test
  void crossAgentDelegation_intersectsWithChildPolicy() {
    JsonObject root = alice().ok("task_create", new JsonObject().put("can_delegate", true).put("ttl", 600));
    McpClient t = McpClient.bearer(node.mcpUrl(), root.getString("token"));
    JsonObject child = t.ok("task_delegate", new JsonObject().put("agent", "bob").put("can_delegate", true));
    assertEquals("bob", child.getString("agent"));
    assertEquals(new JsonArray().add("GET"), child.getJsonObject("envelope").getJsonArray("methods"),
        "alice {GET,POST} ∩ bob {GET,DELETE}");
    McpClient bobTask = McpClient.bearer(node.mcpUrl(), child.getString("token"));
    assertEquals("bob", bobTask.ok("task_info", null).getString("agent"));
    assertEquals("cross_agent_not_allowed", bobTask.toolError("task_delegate", new JsonObject().put("agent", "carol")));
    assertEquals("cross_agent_not_allowed", t.toolError("task_delegate", new JsonObject().put("agent", "carol")));
  }

  @Test
  void restMirror_healthReadyMetrics() {
    String base = node.publicUrl();
    Map<String, String> h = Map.of("Authorization", "Bearer " + kit.aliceKey, "Content-Type", "application/json");
    Http.Response created = Http.post(base + "/v1/tasks", h, "{\"ttl\":300,\"can_delegate\":true}");
    assertEquals(201, created.status(), created.toString());
    String id = created.json().getString("task_id");
    String token = created.json().getString("token");
    Http.Response del = Http.post(base + "/v1/tasks/delegate", Map.of("Authorization", "Bearer " + token,
        "Content-Type", "application/json"), "{\"ttl\":60}");
    assertEquals(201, del.status(), del.toString());
    assertEquals(200, Http.get(base + "/v1/tasks/" + id, h).status());
    assertEquals(404, Http.get(base + "/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV", h).status());
    assertTrue(Http.get(base + "/v1/tasks", h).json().getInteger("count") >= 2);
    assertEquals(200, Http.post(base + "/v1/tasks/" + id + "/revoke", h, null).status());
    Http.Response dead = Http.get(base + "/v1/tasks/" + del.json().getString("task_id"),
        Map.of("Authorization", "Bearer " + del.json().getString("token")));
    assertEquals(401, dead.status());
    assertEquals("revoked", dead.json().getString("error"));
    // Two-phase bind through REST: the proof names the REST URL.
    Http.Response pending = Http.post(base + "/v1/tasks", h, "{\"ttl\":300,\"bind_within\":60}");
    String pendingToken = pending.json().getString("token");
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    String proof = dev.ephyr.protocol.dpop.DpopProofBuilder.forKey(key).method("POST").url(base + "/v1/tasks/bind")
        .accessToken(pendingToken).build();
    Http.Response bound = Http.send("POST", base + "/v1/tasks/bind", Map.of("Authorization", "DPoP " + pendingToken,
        "DPoP", proof), null);
    assertEquals(200, bound.status(), bound.toString());
    assertEquals(key.jkt(), bound.json().getString("holder_jkt"));
    Http.Response again = Http.send("POST", base + "/v1/tasks/bind", Map.of("Authorization", "DPoP " + pendingToken,
        "DPoP", dev.ephyr.protocol.dpop.DpopProofBuilder.forKey(key).method("POST").url(base + "/v1/tasks/bind")
            .accessToken(pendingToken).build()), null);
    // The bind moved the task to a new epoch: the pending copy is dead, even for its own key.
    assertEquals(401, again.status(), again.toString());
    assertEquals("revoked", again.json().getString("error"));
    assertEquals(200, Http.get(base + "/healthz", Map.of()).status());
    assertEquals(200, Http.get(base + "/readyz", Map.of()).status());
    Http.Response metrics = Http.get(base + "/metrics", Map.of());
    assertTrue(metrics.header("Content-Type").startsWith("text/plain"));
    // Labels are exposed in name order (Micrometer sorts them; order carries no meaning in Prometheus).
    assertTrue(metrics.body().contains("ephyr_requests_total{code=\"ok\",endpoint=\"rest\",outcome=\"allow\"}"),
        metrics.body());
    assertTrue(metrics.body().contains("ephyr_request_duration_seconds_bucket{endpoint=\"mcp\",le=\"+Inf\"}")
        || metrics.body().contains("ephyr_request_duration_seconds_bucket{endpoint=\"rest\",le=\"+Inf\"}"));
    assertTrue(metrics.body().contains("ephyr_cluster_ready 1"));
  }

  @Test
  void resources_listAndRead() {
    McpClient c = alice();
    JsonArray list = c.rpc("resources/list", null).json().getJsonObject("result").getJsonArray("resources");
    assertEquals(3, list.size());
    Http.Response missing = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://nope"));
    assertEquals(-32002, missing.json().getJsonObject("error").getInteger("code"));
    String cluster = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://cluster")).json()
        .getJsonObject("result").getJsonArray("contents").getJsonObject(0).getString("text");
    assertEquals("ready", new JsonObject(cluster).getString("state"));
    assertNull(new JsonObject(cluster).getValue("members_detail"));
    assertNotEquals(0, list.size());
  }

  static List<String> names(JsonArray tools) {
    List<String> out = new ArrayList<>();
    for (Object o : tools) {
      out.add(((JsonObject) o).getString("name"));
    }
    return out;
  }
}
