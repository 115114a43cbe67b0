package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A federated remote found after the client started listening: no policy reload happens, so the
 * {@code notifications/tools/list_changed} the client gets comes from the federation alone.
 */
class McpListChangedFederationTest {

  @Test
  void remoteDiscoveredLater_tellsListeningClients() throws Exception {
    TestKit kit = new TestKit();
    int port = TestKit.freePort(); // nothing listens here yet: discovery fails and retries
    Path secret = kit.dir.resolve("late.token");
    Files.writeString(secret, "late-remote-secret\n");
    Files.writeString(kit.dir.resolve("policy.yaml"), String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    remotes: [late]",
        "    tools: [\"late.*\"]",
        "remotes:",
        "  late:",
        "    url: http://127.0.0.1:" + port + "/mcp",
        "    auth: { type: bearer, secret_file: " + secret + " }",
        "    allow_private: true",
        "    timeout: 5s",
        "    refresh: 10s",
        ""));
    Node node = kit.startSolo("late");
    SdkMcpServer remote = null;
    long blocked;
    try {
      ModernMcp alice = new ModernMcp(node.mcpUrl(), kit.aliceKey);
      assertFalse(alice.rpc("tools/list", null).body().contains("late__echo"));
      JsonObject listen = alice.request("subscriptions/listen", new JsonObject().put("notifications",
          new JsonObject().put("toolsListChanged", true)));
      try (EventStream s = EventStream.open("POST", node.mcpUrl(), alice.headers(listen), listen.encode())) {
        assertEquals(200, s.status);
        s.await("notifications/subscriptions/acknowledged", Duration.ofSeconds(10));
        remote = SdkMcpServer.start(kit.dir, port);
        s.await("notifications/tools/list_changed", Duration.ofSeconds(60));
        assertTrue(alice.rpc("tools/list", null).body().contains("late__echo"), "the change is there to list");
      }
    } finally {
      if (remote != null) {
        remote.close();
      }
      blocked = node.blockedThreadWarnings();
      TestKit.close(node);
    }
    assertEquals(0, blocked, "an event loop was blocked"); // after the test's own verdict, which it must not mask
  }
}
