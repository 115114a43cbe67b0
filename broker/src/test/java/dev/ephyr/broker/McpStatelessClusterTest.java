package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.testing.Eventually;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.SubscriptionEvent;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 2026-07-28 in a three-node cluster, with the official MCP Java SDK's modern (2026-07-28) client and raw
 * HTTP: no session, so consecutive calls of one client land on different nodes and each node serves them;
 * a listen stream on one node hears of that node's policy reload.
 */
class McpStatelessClusterTest {
  private static TestKit kit;
  private static Node[] nodes;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    nodes = kit.startCluster(n -> n, "a", "b", "c");
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(nodes);
  }

  private static McpSyncClient sdk(Node n, String credential) {
    HttpClientMcpTransport transport = HttpClientMcpTransport.builder(n.mcpUrl())
        .connectTimeout(Duration.ofSeconds(5))
        .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
            headers.set("Authorization", "Bearer " + credential)))
        .build();
    return McpClient.sync(transport).callTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void sdk_discoversListsAndCalls_eachRequestOnAnotherNode() {
    McpSyncClient onA = sdk(nodes[0], kit.aliceKey);
    McpSchema.DiscoverResult d = onA.discover();
    assertTrue(d.supportedVersions().contains("2026-07-28"), d.toString());
    assertTrue(d.supportedVersions().contains("2025-11-25"), d.toString());
    assertEquals(McpSchema.CacheScope.PRIVATE, d.cacheScope());
    McpSchema.ListToolsResult tools = sdk(nodes[1], kit.aliceKey).tools().list();
    assertTrue(tools.tools().stream().anyMatch(t -> t.name().equals("task_create")), tools.toString());
    assertEquals("complete", tools.resultType());
    assertEquals(McpSchema.CacheScope.PRIVATE, tools.cacheScope());
    McpSchema.CallToolResult created = sdk(nodes[2], kit.aliceKey).tool("task_create")
        .arguments(Map.of("description", "across the cluster", "ttl", "5m")).call();
    assertFalse(Boolean.TRUE.equals(created.isError()), created.toString());
    String token = new JsonObject(((McpSchema.TextContent) created.content().get(0)).text()).getString("token");
    assertTrue(token.startsWith("mac_"));
    // The task token works statelessly on every node, through the SDK and raw.
    for (Node n : nodes) {
      McpSchema.CallToolResult info = sdk(n, token).tool("task_info").arguments(Map.of()).call();
      assertFalse(Boolean.TRUE.equals(info.isError()), n + ": " + info);
      Http.Response raw = new ModernMcp(n.mcpUrl(), token).call("task_info", null);
      assertEquals(200, raw.status(), raw.toString());
      assertNull(raw.header("Mcp-Session-Id"));
      assertEquals("complete", raw.json().getJsonObject("result").getString("resultType"));
    }
  }

  @Test
  void sdk_listen_hearsToolsListChanged_afterThatNodesPolicyReload() throws Exception {
    Node c = nodes[2];
    List<SubscriptionEvent> events = new CopyOnWriteArrayList<>();
    McpSyncClient client = sdk(c, kit.aliceKey);
    try (McpSyncClient.Listening l = client.listen().toolsChanged().open(events::add)) {
      Eventually.await(Duration.ofSeconds(20), "subscribed: " + events,
          () -> events.stream().anyMatch(e -> e instanceof SubscriptionEvent.Subscribed));
      Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + String.join("\n",
          "  dave:",
          "    api_keys: [\"" + ApiKeys.hash(ApiKeys.generate(TestKit.RANDOM)) + "\"]",
          ""));
      c.reloadPolicy().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      Eventually.await(Duration.ofSeconds(20), "tools list changed: " + events,
          () -> events.stream().anyMatch(e -> e instanceof SubscriptionEvent.ToolsListChanged));
    }
  }
}
