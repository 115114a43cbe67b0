package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.HolderKeyFile;
import dev.ephyr.client.TaskClient;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ephyr connect}, driven by the official MCP Java SDK, against three nodes in their own JVMs: SIGKILL to
 * the node the bridge is talking to moves it to the next node with no refusal seen by the client, and the bound
 * token's proofs keep being accepted there.
 */
class ConnectKillTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestKit kit;
  private static ChildCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    cluster = new ChildCluster(kit, 3);
    try {
      cluster.start(List.of(0, 1, 2), Duration.ofSeconds(150));
    } catch (Exception | AssertionError e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killNineTheBridgesNode_nextCallsSucceedThroughTheNext_withNoRefusal() throws Exception {
    TaskClient tasks = new TaskClient(BrokerTransport.create(List.of(cluster.mcpUrl(1)), null, Duration.ofSeconds(3),
        Duration.ofSeconds(30), null));
    TaskClient.Outcome created = tasks.create(kit.aliceKey,
        JSON.createObjectNode().put("description", "kill").put("ttl", 900).put("bind_within", 300));
    assertTrue(created instanceof TaskClient.Outcome.Ok, "task_create: " + created);
    String task = ((TaskClient.Outcome.Ok) created).value().path("task_id").asText();
    Path dir = Files.createDirectories(kit.dir.resolve("connect-kill"));
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, ((TaskClient.Outcome.Ok) created).value().path("token").asText());
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    Path keyFile = dir.resolve("holder.jwk");
    List<String> stderr = new CopyOnWriteArrayList<>();

    try (McpSyncClient client = ConnectBridgeTest.client(ConnectBridgeTest.bridge(keyFile, tokenFile, stderr,
        cluster.mcpUrl(0), cluster.mcpUrl(1), cluster.mcpUrl(2)))) {
      client.initialize();
      // Bound on the first call, through node A (the first URL; nothing has moved the bridge yet).
      assertEquals(task, ConnectBridgeTest.taskInfo(client).getString("task_id"));
      assertTrue(stderr.stream().noneMatch(l -> l.contains("moved from")), "stderr: " + stderr);
      HolderKeyPair key = HolderKeyFile.load(keyFile);
      String bound = JSON.readTree(Files.readAllBytes(dir.resolve("holder.jwk.bound-token"))).path("token").asText();

      cluster.kill(List.of(0));
      assertFalse(cluster.alive(0), "node A survived SIGKILL");

      // The next calls succeed (an error result or an exception would fail taskInfo) through B, the next URL.
      for (int i = 0; i < 3; i++) {
        JsonObject info = ConnectBridgeTest.taskInfo(client);
        assertEquals(task, info.getString("task_id"));
        assertEquals(key.jkt(), info.getString("holder_jkt"));
      }
      assertTrue(stderr.stream().anyMatch(l -> l.contains("moved from " + cluster.mcpUrl(0) + " to "
          + cluster.mcpUrl(1))), "stderr: " + stderr);
      // The bound token with a proof from its key is accepted by the surviving nodes, and without one refused.
      assertEquals(task, McpClient.dpop(cluster.mcpUrl(2), bound, key).ok("task_info", null).getString("task_id"));
      assertEquals(401, McpClient.bearer(cluster.mcpUrl(2), bound).rpc("ping", null).status());
    }
    // "connection refused" is the dead node's socket; a refusal by a node would read "refused the request".
    assertTrue(stderr.stream().noneMatch(l -> l.contains("refused the request") || l.contains("was refused")),
        "stderr: " + stderr);
  }
}
