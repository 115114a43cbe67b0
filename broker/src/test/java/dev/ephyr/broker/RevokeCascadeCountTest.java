package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node without a listing index ({@code cluster.task-index-size} 0): a revoke's {@code cascade_count}, read from
 * the index where there is one, comes from a cluster query instead.
 */
class RevokeCascadeCountTest {
  private static TestKit kit;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    node = kit.startSolo("solo", "cluster.task-index-size", "0");
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(node);
  }

  @Test
  void withoutIndex_cascadeCountComesFromTheClusterQuery() {
    assertFalse(node.cluster().tasks().indexStats().answering(), "the node keeps no listing index");
    McpClient alice = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    JsonObject root = alice.ok("task_create", new JsonObject().put("ttl", 300).put("can_delegate", true));
    JsonObject child = McpClient.bearer(node.mcpUrl(), root.getString("token")).ok("task_delegate",
        new JsonObject().put("can_delegate", true));
    McpClient.bearer(node.mcpUrl(), child.getString("token")).ok("task_delegate", null);
    JsonObject revoke = alice.ok("task_revoke", new JsonObject().put("task_id", root.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    assertEquals(2, revoke.getInteger("cascade_count"), revoke.encode());
    assertEquals(0, node.cluster().tasks().indexStats().served(), "no listing was answered by an index");
  }
}
