package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official MCP Java SDK client against a running node: initialize, list tools and call every task tool
 * with an API key, with a bearer task token, and with a DPoP-bound task token (a proof per request).
 */
class McpSdkTest {
  private static TestKit kit;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    node = kit.startSolo("sdk");
  }

  @AfterAll
  static void stop() {
    long blocked = node == null ? 0 : node.blockedThreadWarnings();
    TestKit.close(node);
    assertEquals(0, blocked, "an event loop was blocked");
  }

  private static McpSyncClient client(McpSyncHttpClientRequestCustomizer auth) {
    URI uri = URI.create(node.mcpUrl());
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(uri.getScheme() + "://" + uri.getAuthority())
        .endpoint("/mcp")
        .connectTimeout(Duration.ofSeconds(5))
        .httpRequestCustomizer(auth)
        .build();
    return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build();
  }

  private static McpSyncHttpClientRequestCustomizer bearer(String credential) {
    return (builder, method, uri, body, ctx) -> builder.header("Authorization", "Bearer " + credential);
  }

  /** Adds {@code Authorization: DPoP} and a fresh proof over the exact token and body of each request. */
  private static McpSyncHttpClientRequestCustomizer dpop(String token, HolderKeyPair key) {
    return (builder, method, uri, body, ctx) -> {
      byte[] bytes = body == null || body.isEmpty() ? null : body.getBytes(StandardCharsets.UTF_8);
      builder.header("Authorization", "DPoP " + token);
      builder.header("DPoP", DpopProofBuilder.forKey(key).method(method).url(node.mcpUrl()).accessToken(token)
          .body(bytes).build());
    };
  }

  private static JsonObject call(McpSyncClient c, String tool, Map<String, Object> args) {
    McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest(tool, args));
    assertFalse(Boolean.TRUE.equals(r.isError()), tool + ": " + r.content());
    return new JsonObject(((McpSchema.TextContent) r.content().get(0)).text());
  }

  private static String toolError(McpSyncClient c, String tool, Map<String, Object> args) {
    McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest(tool, args));
    assertTrue(Boolean.TRUE.equals(r.isError()), tool + " should fail: " + r.content());
    return ((McpSchema.TextContent) r.content().get(0)).text();
  }

  private static List<String> tools(McpSyncClient c) {
    List<String> out = new ArrayList<>();
    for (McpSchema.Tool t : c.listTools().tools()) {
      out.add(t.name());
    }
    return out;
  }

  @Test
  void sessionGetStream_deliversToolsListChanged_afterPolicyReload() throws Exception {
    java.util.concurrent.CopyOnWriteArrayList<List<McpSchema.Tool>> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
    URI uri = URI.create(node.mcpUrl());
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(uri.getScheme() + "://" + uri.getAuthority()).endpoint("/mcp")
        .connectTimeout(Duration.ofSeconds(5)).httpRequestCustomizer(bearer(kit.aliceKey)).build();
    try (McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20))
        .toolsChangeConsumer(changes::add).build()) {
      assertTrue(c.initialize().capabilities().tools().listChanged());
      // The SDK opens the session's GET stream after initialize; a reload tells it, and it lists again.
      java.nio.file.Path policy = kit.dir.resolve("policy.yaml");
      dev.ephyr.testing.Eventually.await(Duration.ofSeconds(30), "a tools list change reaches the SDK", () -> {
        java.nio.file.Files.writeString(policy, kit.policyYaml() + "  extra" + System.nanoTime() + ":\n    api_keys: [\""
            + dev.ephyr.broker.policy.ApiKeys.hash(dev.ephyr.broker.policy.ApiKeys.generate(TestKit.RANDOM)) + "\"]\n");
        node.reloadPolicy().toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
        return !changes.isEmpty();
      });
      assertTrue(changes.get(0).stream().anyMatch(t -> t.name().equals("task_create")), changes.toString());
    }
  }

  @Test
  void apiKey_everyTaskTool() {
    try (McpSyncClient c = client(bearer(kit.aliceKey))) {
      McpSchema.InitializeResult init = c.initialize();
      assertEquals("ephyr", init.serverInfo().name());
      assertEquals(List.of("task_create", "task_delegate", "task_info", "task_list", "task_revoke", "task_reissue"),
          tools(c));
      c.ping();
      JsonObject root = call(c, "task_create", Map.of("description", "sdk", "ttl", 600, "can_delegate", true));
      String token = root.getString("token");
      JsonObject child = call(c, "task_delegate", Map.of("parent_token", token, "ttl", "2m"));
      assertEquals(1, child.getInteger("depth"));
      assertEquals("active", call(c, "task_info", Map.of("task_id", child.getString("task_id"))).getString("status"));
      assertTrue(call(c, "task_list", Map.of()).getInteger("count") >= 2);
      JsonObject re = call(c, "task_reissue", Map.of("token", token));
      assertEquals(1, re.getInteger("epoch"));
      assertTrue(call(c, "task_revoke", Map.of("task_id", root.getString("task_id"))).getBoolean("acknowledged_by_all"));
      assertTrue(toolError(c, "task_bind", Map.of()).startsWith("token_required"));
      assertEquals(3, c.listResources().resources().size());
      McpSchema.ReadResourceResult who = c.readResource(new McpSchema.ReadResourceRequest("ephyr://whoami"));
      String text = ((McpSchema.TextResourceContents) who.contents().get(0)).text();
      assertEquals("alice", new JsonObject(text).getString("agent"));
    }
  }

  @Test
  void bearerTaskToken_everyTaskTool() {
    String token;
    try (McpSyncClient c = client(bearer(kit.aliceKey))) {
      c.initialize();
      token = call(c, "task_create", Map.of("ttl", 600, "can_delegate", true)).getString("token");
    }
    try (McpSyncClient t = client(bearer(token))) {
      t.initialize();
      assertFalse(tools(t).contains("task_create"));
      assertTrue(toolError(t, "task_create", Map.of()).startsWith("task_token_cannot_create"));
      JsonObject child = call(t, "task_delegate", Map.of("ttl", 120));
      assertEquals(2, call(t, "task_list", Map.of()).getInteger("count"));
      assertEquals("active", call(t, "task_info", Map.of("task_id", child.getString("task_id"))).getString("status"));
      assertTrue(call(t, "task_revoke", Map.of("task_id", child.getString("task_id"))).getBoolean("revoked"));
      JsonObject re = call(t, "task_reissue", Map.of());
      try (McpSyncClient fresh = client(bearer(re.getString("token")))) {
        fresh.initialize();
        HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
        // task_bind with a bearer token has no proof: refused at the HTTP layer (pop_required)
        try {
          fresh.callTool(new McpSchema.CallToolRequest("task_bind", Map.of()));
          throw new AssertionError("task_bind without a proof must fail");
        } catch (RuntimeException expected) {
          // the SDK surfaces the 401 as an exception
        }
        assertTrue(key.jkt().length() == 43);
      }
    }
  }

  @Test
  void dpopBoundTaskToken_everyTaskTool() {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    HolderKeyPair childKey = HolderKeyPair.generate(TestKit.RANDOM);
    String token;
    try (McpSyncClient c = client(bearer(kit.aliceKey))) {
      c.initialize();
      // Created unbound with a bind window; the SDK client binds it with its own key.
      token = call(c, "task_create", Map.of("ttl", 600, "can_delegate", true, "bind_within", 60)).getString("token");
    }
    String bound;
    try (McpSyncClient b = client(dpop(token, key))) {
      b.initialize();
      assertEquals(List.of("task_bind"), tools(b));
      JsonObject r = call(b, "task_bind", Map.of());
      assertEquals(key.jkt(), r.getString("holder_jkt"));
      bound = r.getString("token");
    }
    try (McpSyncClient t = client(dpop(bound, key))) {
      t.initialize();
      assertEquals(List.of("task_delegate", "task_info", "task_list", "task_revoke", "task_reissue"), tools(t));
      JsonObject child = call(t, "task_delegate", Map.of("ttl", 120, "holder_jkt", childKey.jkt()));
      assertTrue(child.getBoolean("holder_bound"));
      assertTrue(call(t, "task_info", Map.of()).getBoolean("holder_bound"));
      assertEquals(2, call(t, "task_list", Map.of()).getInteger("count"));
      try (McpSyncClient ct = client(dpop(child.getString("token"), childKey))) {
        ct.initialize();
        assertEquals(1, call(ct, "task_list", Map.of()).getInteger("count"));
      }
      assertTrue(call(t, "task_revoke", Map.of("task_id", child.getString("task_id"))).getBoolean("revoked"));
      JsonObject re = call(t, "task_reissue", Map.of());
      try (McpSyncClient fresh = client(dpop(re.getString("token"), key))) {
        fresh.initialize();
        assertTrue(toolError(fresh, "task_create", Map.of()).startsWith("task_token_cannot_create"));
        assertTrue(call(fresh, "task_revoke", Map.of()).getBoolean("revoked"));
      }
    }
  }
}
