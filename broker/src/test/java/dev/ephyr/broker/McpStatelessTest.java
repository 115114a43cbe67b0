package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stateless 2026-07-28 revision over raw HTTP on one node, beside the 2025 revisions: discovery, typed
 * results with cache hints, the header and {@code _meta} checks with their specified errors, and the two
 * list-change mechanisms (subscriptions/listen, the 2025 session's GET stream) after a policy reload.
 */
class McpStatelessTest {
  private static TestKit kit;
  private static Node node;
  private static int policyVersion;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    node = kit.startSolo("modern");
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(node);
  }

  private static ModernMcp alice() {
    return new ModernMcp(node.mcpUrl(), kit.aliceKey);
  }

  private static JsonObject error(Http.Response r) {
    JsonObject e = r.json().getJsonObject("error");
    assertNotNull(e, "an error: " + r);
    return e;
  }

  @Test
  void discover_listsEveryRevision_andIsTypedAndCacheable() {
    Http.Response r = alice().rpc("server/discover", null);
    assertEquals(200, r.status(), r.toString());
    JsonObject result = r.json().getJsonObject("result");
    assertEquals(new JsonArray().add("2026-07-28").add("2025-11-25").add("2025-06-18").add("2025-03-26"),
        result.getJsonArray("supportedVersions"));
    assertEquals("complete", result.getString("resultType"));
    assertTrue(result.getJsonObject("capabilities").getJsonObject("tools").getBoolean("listChanged"));
    assertEquals("private", result.getString("cacheScope"));
    assertTrue(result.getLong("ttlMs") >= 0);
    assertEquals("ephyr", result.getJsonObject("_meta").getJsonObject("io.modelcontextprotocol/serverInfo")
        .getString("name"));
    assertNull(r.header("Mcp-Session-Id"), "no session in 2026-07-28");
  }

  @Test
  void statelessCalls_typedResults_privateCacheHints_noSession() {
    ModernMcp c = alice();
    Http.Response list = c.rpc("tools/list", null);
    assertEquals(200, list.status(), list.toString());
    JsonObject result = list.json().getJsonObject("result");
    assertEquals("complete", result.getString("resultType"));
    assertEquals("private", result.getString("cacheScope"), "lists depend on the credential");
    assertEquals(60_000L, result.getLong("ttlMs"));
    assertFalse(result.getJsonArray("tools").isEmpty());
    JsonObject task = c.ok("task_create", new JsonObject().put("description", "stateless").put("ttl", "5m"));
    assertTrue(task.getString("token").startsWith("mac_"));
    Http.Response call = c.call("task_list", null);
    assertEquals("complete", call.json().getJsonObject("result").getString("resultType"));
    assertNull(call.json().getJsonObject("result").getValue("ttlMs"), "a tool result is not cacheable");
    // A stray session id is ignored, never checked or echoed.
    JsonObject body = c.request("tools/list", null);
    Map<String, String> h = new java.util.HashMap<>(c.headers(body));
    h.put("Mcp-Session-Id", "s1.forged.session");
    Http.Response stray = c.send(body, h);
    assertEquals(200, stray.status(), stray.toString());
    assertNull(stray.header("Mcp-Session-Id"));
    // Resource not found is -32602 in this revision (it was -32002).
    Http.Response missing = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://nope"));
    assertEquals(-32602, error(missing).getInteger("code"));
    Http.Response whoami = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://whoami"));
    assertEquals(0L, whoami.json().getJsonObject("result").getLong("ttlMs"));
  }

  @Test
  void headers_mustBePresentAndAgreeWithTheBody() {
    ModernMcp c = alice();
    JsonObject body = c.request("tools/call", new JsonObject().put("name", "task_list").put("arguments", new JsonObject()));
    // Mcp-Name naming another tool than the body: -32020, 400, with both values in the message.
    Map<String, String> h = new java.util.HashMap<>(c.headers(body));
    h.put("Mcp-Name", "task_revoke");
    Http.Response r = c.send(body, h);
    assertEquals(400, r.status(), r.toString());
    assertEquals(-32020, error(r).getInteger("code"));
    assertTrue(error(r).getString("message").contains("task_revoke"), r.toString());
    assertEquals(body.getInteger("id"), r.json().getInteger("id"));
    // Missing Mcp-Name.
    h = new java.util.HashMap<>(c.headers(body));
    h.remove("Mcp-Name");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    // Mcp-Method disagreeing, and missing.
    h = new java.util.HashMap<>(c.headers(body));
    h.put("Mcp-Method", "tools/list");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    h.remove("Mcp-Method");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    // MCP-Protocol-Version missing, and naming a 2025 revision while _meta says 2026-07-28.
    h = new java.util.HashMap<>(c.headers(body));
    h.remove("MCP-Protocol-Version");
    Http.Response noVersion = c.send(body, h);
    assertEquals(400, noVersion.status());
    assertEquals(-32020, error(noVersion).getInteger("code"));
    h.put("MCP-Protocol-Version", "2025-11-25");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    // The Base64 sentinel form decodes before comparing; a broken one is refused.
    h = new java.util.HashMap<>(c.headers(body));
    h.put("Mcp-Name", "=?base64?" + Base64.getEncoder().encodeToString("task_list".getBytes(StandardCharsets.UTF_8))
        + "?=");
    assertEquals(200, c.send(body, h).status());
    h.put("Mcp-Name", "=?base64?!!!?=");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    // resources/read names its URI.
    JsonObject read = c.request("resources/read", new JsonObject().put("uri", "ephyr://whoami"));
    h = new java.util.HashMap<>(c.headers(read));
    h.put("Mcp-Name", "ephyr://cluster");
    assertEquals(-32020, error(c.send(read, h)).getInteger("code"));
  }

  @Test
  void headerMismatch_isAuditedWithBothValues_andTheVerifiedNameIsTheCallsAction() throws Exception {
    ModernMcp c = alice();
    JsonObject body = c.request("tools/call", new JsonObject().put("name", "task_list").put("arguments", new JsonObject()));
    Map<String, String> h = new java.util.HashMap<>(c.headers(body));
    h.put("Mcp-Name", "sneaky_tool");
    String requestId = c.send(body, h).header("X-Request-Id");
    String okId = c.send(body).header("X-Request-Id");
    Eventually.await(Duration.ofSeconds(20), "both requests audited", () -> audit(requestId) != null
        && audit(okId) != null);
    JsonObject refused = audit(requestId);
    assertEquals("header_mismatch", refused.getString("reason"), refused.encode());
    assertTrue(refused.getString("detail").contains("sneaky_tool") && refused.getString("detail").contains("task_list"),
        refused.encode());
    JsonObject ok = audit(okId);
    assertEquals("tools/call task_list", ok.getString("event"), ok.encode());
    assertEquals("allow", ok.getString("decision"));
  }

  @Test
  void unsupportedVersion_inHeaderOrMeta_listsWhatIsSupported() {
    ModernMcp c = alice();
    JsonObject body = c.request("tools/list", null);
    Map<String, String> h = new java.util.HashMap<>(c.headers(body));
    h.put("MCP-Protocol-Version", "1900-01-01");
    Http.Response r = c.send(body, h);
    assertEquals(400, r.status(), r.toString());
    JsonObject e = error(r);
    assertEquals(-32022, e.getInteger("code"));
    assertEquals("1900-01-01", e.getJsonObject("data").getString("requested"));
    assertTrue(e.getJsonObject("data").getJsonArray("supported").contains("2026-07-28"));
    assertEquals(body.getInteger("id"), r.json().getInteger("id"), "the id is echoed");
    // Unknown version in _meta (and the header agreeing with it).
    body.getJsonObject("params").getJsonObject("_meta").put("io.modelcontextprotocol/protocolVersion", "2099-12-31");
    h = new java.util.HashMap<>(c.headers(body));
    h.put("MCP-Protocol-Version", "2099-12-31");
    Http.Response m = c.send(body, h);
    assertEquals(400, m.status(), m.toString());
    assertEquals(-32022, error(m).getInteger("code"));
    assertEquals("2099-12-31", error(m).getJsonObject("data").getString("requested"));
  }

  @Test
  void meta_missingOrWrongTypes_isInvalidParams() {
    ModernMcp c = alice();
    List<JsonObject> bad = new ArrayList<>();
    JsonObject noMeta = c.request("tools/list", null);
    noMeta.getJsonObject("params").remove("_meta");
    bad.add(noMeta);
    JsonObject metaString = c.request("tools/list", null);
    metaString.getJsonObject("params").put("_meta", "2026-07-28");
    bad.add(metaString);
    JsonObject versionNumber = c.request("tools/list", null);
    versionNumber.getJsonObject("params").getJsonObject("_meta").put("io.modelcontextprotocol/protocolVersion", 20260728);
    bad.add(versionNumber);
    JsonObject noCapabilities = c.request("tools/list", null);
    noCapabilities.getJsonObject("params").getJsonObject("_meta").remove("io.modelcontextprotocol/clientCapabilities");
    bad.add(noCapabilities);
    JsonObject capabilitiesArray = c.request("tools/list", null);
    capabilitiesArray.getJsonObject("params").getJsonObject("_meta")
        .put("io.modelcontextprotocol/clientCapabilities", new JsonArray());
    bad.add(capabilitiesArray);
    JsonObject clientInfoString = c.request("tools/list", null);
    clientInfoString.getJsonObject("params").getJsonObject("_meta").put("io.modelcontextprotocol/clientInfo", "me");
    bad.add(clientInfoString);
    JsonObject paramsArray = c.request("tools/list", null);
    paramsArray.put("params", new JsonArray());
    bad.add(paramsArray);
    for (JsonObject b : bad) {
      Http.Response r = c.send(b);
      JsonObject e = error(r);
      assertEquals(-32602, e.getInteger("code"), b.encode() + " -> " + r);
      assertTrue(e.getString("message").contains("_meta") || e.getString("message").contains("params"), r.toString());
    }
    // A version only in _meta (no header) is still this revision, and the missing header is the error.
    JsonObject body = c.request("tools/list", null);
    Map<String, String> h = new java.util.HashMap<>(c.headers(body));
    h.remove("MCP-Protocol-Version");
    assertEquals(-32020, error(c.send(body, h)).getInteger("code"));
    // A batch is not a 2026-07-28 request.
    Http.Response batch = Http.send("POST", node.mcpUrl(), c.headers(body), new JsonArray().add(body).encode()
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(400, batch.status());
    assertEquals(-32600, error(batch).getInteger("code"));
  }

  @Test
  void droppedAndUnknownMethods_are404MethodNotFound() {
    ModernMcp c = alice();
    for (String m : List.of("initialize", "ping", "no/such")) {
      Http.Response r = c.rpc(m, null);
      assertEquals(404, r.status(), m + ": " + r);
      assertEquals(-32601, error(r).getInteger("code"));
    }
    // The 2025 revisions keep their behaviour on the same endpoint.
    McpClient legacy = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    legacy.initialize("2025-11-25");
    Http.Response ping = legacy.rpc("ping", null);
    assertEquals(200, ping.status());
    assertNull(ping.json().getJsonObject("result").getValue("resultType"), "2025 results are unchanged");
    assertEquals(200, legacy.rpc("no/such", null).status(), "2025 answers unknown methods with 200");
  }

  @Test
  void listen_acknowledges_thenToolsListChangedAfterPolicyReload_bothMechanisms() throws Exception {
    ModernMcp c = alice();
    JsonObject listen = c.request("subscriptions/listen", new JsonObject().put("notifications",
        new JsonObject().put("toolsListChanged", true).put("promptsListChanged", true)));
    McpClient legacy = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    legacy.initialize("2025-11-25");
    Map<String, String> getHeaders = new java.util.HashMap<>(legacy.headers("GET", null));
    getHeaders.remove("Content-Type");
    getHeaders.put("Accept", "text/event-stream");
    try (EventStream modern = EventStream.open("POST", node.mcpUrl(), c.headers(listen), listen.encode());
        EventStream old = EventStream.open("GET", node.mcpUrl(), getHeaders, null)) {
      assertEquals(200, modern.status);
      assertTrue(modern.contentType.startsWith("text/event-stream"), modern.contentType);
      assertEquals(200, old.status);
      JsonObject ack = modern.await("notifications/subscriptions/acknowledged", Duration.ofSeconds(10));
      assertEquals(new JsonObject().put("toolsListChanged", true), ack.getJsonObject("params")
          .getJsonObject("notifications"), "only what we send is acknowledged");
      assertEquals(listen.getInteger("id"), ack.getJsonObject("params").getJsonObject("_meta")
          .getInteger("io.modelcontextprotocol/subscriptionId"));
      Eventually.await(Duration.ofSeconds(10), "both streams registered", () -> true);
      reloadPolicy();
      JsonObject changed = modern.await("notifications/tools/list_changed", Duration.ofSeconds(20));
      assertEquals(listen.getInteger("id"), changed.getJsonObject("params").getJsonObject("_meta")
          .getInteger("io.modelcontextprotocol/subscriptionId"));
      JsonObject legacyChanged = old.await("notifications/tools/list_changed", Duration.ofSeconds(20));
      assertNull(legacyChanged.getValue("id"));
    }
  }

  @Test
  void get_withoutSession_is405_andListenNeedsAnEventStreamAccept() {
    Http.Response g = Http.get(node.mcpUrl(), Map.of("Accept", "text/event-stream"));
    assertEquals(405, g.status());
    ModernMcp c = alice();
    JsonObject listen = c.request("subscriptions/listen", new JsonObject().put("notifications",
        new JsonObject().put("toolsListChanged", true)));
    Map<String, String> h = new java.util.HashMap<>(c.headers(listen));
    h.put("Accept", "application/json");
    Http.Response r = c.send(listen, h);
    assertEquals(406, r.status(), r.toString());
    JsonObject noFilter = c.request("subscriptions/listen", null);
    assertEquals(-32602, error(c.send(noFilter)).getInteger("code"));
    JsonObject badFilter = c.request("subscriptions/listen", new JsonObject().put("notifications",
        new JsonObject().put("toolsListChanged", "yes")));
    assertEquals(-32602, error(c.send(badFilter)).getInteger("code"));
  }

  @Test
  void listenStreams_areBoundedPerAgent_withASpecificError() throws Exception {
    ModernMcp c = new ModernMcp(node.mcpUrl(), kit.bobKey);
    List<EventStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 32; i++) {
        JsonObject listen = c.request("subscriptions/listen", new JsonObject().put("notifications",
            new JsonObject().put("toolsListChanged", true)));
        EventStream s = EventStream.open("POST", node.mcpUrl(), c.headers(listen), listen.encode());
        open.add(s);
        assertEquals(200, s.status, "stream " + i);
      }
      JsonObject listen = c.request("subscriptions/listen", new JsonObject().put("notifications",
          new JsonObject().put("toolsListChanged", true)));
      Http.Response refused = c.send(listen);
      assertEquals(503, refused.status(), refused.toString());
      assertEquals(-31001, error(refused).getInteger("code"));
      assertEquals("30", refused.header("Retry-After"));
      // Another agent is not starved by bob's streams.
      JsonObject mine = alice().request("subscriptions/listen", new JsonObject().put("notifications",
          new JsonObject().put("toolsListChanged", true)));
      try (EventStream s = EventStream.open("POST", node.mcpUrl(), alice().headers(mine), mine.encode())) {
        assertEquals(200, s.status);
      }
    } finally {
      open.forEach(EventStream::close);
    }
    // Closed streams give their places back.
    JsonObject again = c.request("subscriptions/listen", new JsonObject().put("notifications",
        new JsonObject().put("toolsListChanged", true)));
    Eventually.await(Duration.ofSeconds(20), "places given back", () -> {
      try (EventStream s = EventStream.open("POST", node.mcpUrl(), c.headers(again), again.encode())) {
        return s.status == 200;
      }
    });
  }

  /** Rewrites the policy with one more agent (a real change) and reloads it. */
  private static void reloadPolicy() throws Exception {
    policyVersion++;
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + String.join("\n",
        "  extra" + policyVersion + ":",
        "    api_keys: [\"" + dev.ephyr.broker.policy.ApiKeys.hash(dev.ephyr.broker.policy.ApiKeys.generate(
            TestKit.RANDOM)) + "\"]",
        ""));
    node.reloadPolicy().toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** The audit record of request {@code id} on this node, or null when not written yet. */
  private static JsonObject audit(String id) {
    Path dir = kit.dir.resolve("modern").resolve("audit");
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (!Files.isRegularFile(f)) {
          continue;
        }
        for (String line : Files.readAllLines(f)) {
          if (line.contains("\"" + id + "\"")) {
            return new JsonObject(line);
          }
        }
      }
    } catch (java.io.IOException e) {
      return null;
    }
    return null;
  }
}
