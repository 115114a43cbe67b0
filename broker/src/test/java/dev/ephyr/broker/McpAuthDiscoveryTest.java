package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.testing.Eventually;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a client without a credential learns (RFC 9728 metadata, the 401 challenge and message) and how a
 * client whose session expired gets back in: raw HTTP, and the official MCP Java SDK client.
 */
class McpAuthDiscoveryTest {
  private static TestKit kit;
  private static Node node;
  private static String metadataUrl;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    // A short idle bound so a session can expire within the test.
    node = kit.startSolo("auth", "mcp.session-ttl", "2s", "mcp.session-max-age", "1h");
    URI u = URI.create(node.mcpUrl());
    metadataUrl = u.getScheme() + "://" + u.getRawAuthority() + "/.well-known/oauth-protected-resource/mcp";
  }

  @AfterAll
  static void stop() {
    long blocked = node == null ? 0 : node.blockedThreadWarnings();
    TestKit.close(node);
    assertEquals(0, blocked, "an event loop was blocked");
  }

  private static String initBody() {
    return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize").put("params",
        new JsonObject().put("protocolVersion", "2025-11-25").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "t").put("version", "1"))).encode();
  }

  private static Map<String, String> json() {
    return Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream");
  }

  @Test
  void metadata_isServedAtBothWellKnownPaths_andClaimsOnlyWhatIsTrue() {
    URI u = URI.create(node.mcpUrl());
    String origin = u.getScheme() + "://" + u.getRawAuthority();
    for (String url : List.of(metadataUrl, origin + "/.well-known/oauth-protected-resource")) {
      Http.Response r = Http.get(url, Map.of());
      assertEquals(200, r.status(), url + " " + r);
      assertTrue(r.header("Content-Type").startsWith("application/json"), r.toString());
      JsonObject doc = new JsonObject(r.body());
      assertEquals(node.mcpUrl(), doc.getString("resource"));
      assertEquals(new JsonArray().add("header"), doc.getJsonArray("bearer_methods_supported"));
      assertEquals(new JsonArray().add("EdDSA"), doc.getJsonArray("dpop_signing_alg_values_supported"));
      assertFalse(doc.containsKey("authorization_servers"), "there is no authorization server to send anyone to");
      assertFalse(doc.containsKey("scopes_supported"));
    }
  }

  @Test
  void noCredential_getsAWellFormedChallengeNamingTheMetadata_andAMessageAPersonCanActOn() {
    Http.Response r = Http.post(node.mcpUrl(), json(), initBody());
    assertEquals(401, r.status());
    String rm = "resource_metadata=\"" + metadataUrl + "\"";
    assertEquals("Bearer realm=\"ephyr\", " + rm + ", DPoP realm=\"ephyr\", algs=\"EdDSA\", " + rm,
        r.header("WWW-Authenticate"));
    JsonObject body = new JsonObject(r.body());
    assertEquals("unauthenticated", body.getString("error"));
    assertTrue(body.getString("message").contains("ephyr agent-key"), body.encode());
    assertTrue(body.getString("message").contains("task token"), body.encode());
    assertTrue(body.getString("message").contains("no OAuth"), body.encode());
    // The metadata belongs to the MCP endpoint; the REST mirror's challenge does not claim it.
    Http.Response rest = Http.post(node.publicUrl() + "/v1/tasks", Map.of("Content-Type", "application/json"), "{}");
    assertEquals(401, rest.status());
    assertFalse(rest.header("WWW-Authenticate").contains("resource_metadata"), rest.header("WWW-Authenticate"));
  }

  @Test
  void badApiKey_andBadDpopToken_getExactChallenges() {
    String rm = "resource_metadata=\"" + metadataUrl + "\"";
    Http.Response key = Http.post(node.mcpUrl(), Map.of("Content-Type", "application/json", "Accept",
        "application/json, text/event-stream", "Authorization", "Bearer ek_nothing"), initBody());
    assertEquals(401, key.status());
    assertEquals("Bearer realm=\"ephyr\", error=\"invalid_token\", " + rm, key.header("WWW-Authenticate"));
    assertTrue(new JsonObject(key.body()).getString("message").contains("ephyr agent-key"), key.body());

    Http.Response dpop = Http.post(node.mcpUrl(), Map.of("Content-Type", "application/json", "Accept",
        "application/json, text/event-stream", "Authorization", "DPoP mac_notatoken", "DPoP", "x.y.z"), initBody());
    assertEquals(401, dpop.status(), dpop.toString());
    assertEquals("DPoP realm=\"ephyr\", error=\"invalid_token\", algs=\"EdDSA\", " + rm, dpop.header("WWW-Authenticate"));
  }

  @Test
  void sdkClient_whoseSessionExpired_startsANewOne_withoutARestart() {
    URI uri = URI.create(node.mcpUrl());
    AtomicInteger initializes = new AtomicInteger();
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(uri.getScheme() + "://" + uri.getAuthority()).endpoint("/mcp")
        .connectTimeout(Duration.ofSeconds(5))
        .httpRequestCustomizer((b, method, u, body, ctx) -> {
          b.header("Authorization", "Bearer " + kit.aliceKey);
          if (body != null && body.contains("\"method\":\"initialize\"")) {
            initializes.incrementAndGet();
          }
        }).build();
    try (McpSyncClient c = io.modelcontextprotocol.client.McpClient.sync(transport)
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      c.initialize();
      assertFalse(c.listTools().tools().isEmpty());
      assertEquals(1, initializes.get());
      // Used within the idle bound, the session lives on.
      assertFalse(c.listTools().tools().isEmpty());
      assertEquals(1, initializes.get(), "no new session while in use");
      // Leave it unused past the idle bound (2 s; whole seconds, so wait for the third second boundary).
      long lastUse = Instant.now().getEpochSecond();
      Eventually.await(Duration.ofSeconds(30), "idle bound passed",
          () -> Instant.now().getEpochSecond() >= lastUse + 3);
      // The 404 makes the client start a new session; the same client object then works again.
      Eventually.await(Duration.ofSeconds(30), "client recovered", () -> {
        try {
          return !c.listTools().tools().isEmpty();
        } catch (RuntimeException e) {
          return false;
        }
      });
      assertEquals(2, initializes.get(), "exactly one new session");
    }
  }

  @Test
  void expiredSession_isAnswered404_soClientsReinitialize_andTheIdIsNeverRevived() {
    Http.Response init = Http.post(node.mcpUrl(), Map.of("Content-Type", "application/json", "Accept",
        "application/json, text/event-stream", "Authorization", "Bearer " + kit.aliceKey), initBody());
    assertEquals(200, init.status(), init.toString());
    String id = init.header("Mcp-Session-Id");
    Map<String, String> h = Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream",
        "Authorization", "Bearer " + kit.aliceKey, "Mcp-Session-Id", id, "MCP-Protocol-Version", "2025-11-25");
    String ping = new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "ping").encode();
    assertEquals(200, Http.post(node.mcpUrl(), h, ping).status());
    long lastUse = Instant.now().getEpochSecond();
    Eventually.await(Duration.ofSeconds(30), "idle bound passed", () -> Instant.now().getEpochSecond() >= lastUse + 3);
    Http.Response gone = Http.post(node.mcpUrl(), h, ping);
    assertEquals(404, gone.status(), gone.toString());
    assertNull(gone.header("Mcp-Session-Id"));
    assertEquals(404, Http.post(node.mcpUrl(), h, ping).status(), "an expired id stays expired");
  }
}
