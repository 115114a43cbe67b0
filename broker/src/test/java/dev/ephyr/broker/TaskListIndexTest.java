package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The task listing index on three real nodes: a task is created, bound, reissued or revoked through node A, and
 * {@code task_list} on node C — answered from C's own index, never a cluster query — must show the change. Each
 * check also proves the answer came from the index (its count of served listings rose).
 */
class TaskListIndexTest {
  private static final String PUBLIC = "https://ephyr.test";
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static TestKit kit;
  private static Node a;
  private static Node b;
  private static Node c;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    Node[] nodes = kit.startCluster(n -> n.publicUrl(PUBLIC), "a", "b", "c");
    a = nodes[0];
    b = nodes[1];
    c = nodes[2];
    for (Node n : nodes) {
      Eventually.await(DEADLINE, n.config().nodeId() + "'s listing index to answer",
          () -> n.cluster().tasks().indexStats().answering());
    }
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(a, b, c);
  }

  private static McpClient bearer(Node n, String credential) {
    return McpClient.bearer(TestKit.localMcp(n), credential);
  }

  /** Alice's task_list on {@code n}, checked to have been answered by n's index. */
  private static JsonArray listOn(Node n) {
    TaskRegistry registry = n.cluster().tasks();
    long served = registry.indexStats().served();
    JsonArray tasks = bearer(n, kit.aliceKey).ok("task_list", new JsonObject().put("include_inactive", true))
        .getJsonArray("tasks");
    assertTrue(registry.indexStats().served() > served, "the listing on " + n.config().nodeId()
        + " came from its index: " + registry.indexStats());
    return tasks;
  }

  private static JsonObject entry(JsonArray tasks, String taskId) {
    for (int i = 0; i < tasks.size(); i++) {
      if (taskId.equals(tasks.getJsonObject(i).getString("task_id"))) {
        return tasks.getJsonObject(i);
      }
    }
    return null;
  }

  /** Polls C's listing until its entry for {@code task} satisfies {@code shows}; fails after the deadline. */
  private static JsonObject awaitOnC(String task, String what, Predicate<JsonObject> shows) {
    JsonObject[] last = {null};
    Eventually.await(DEADLINE, "C's task_list to show " + task + " with " + what, () -> {
      last[0] = entry(listOn(c), task);
      return last[0] != null && shows.test(last[0]);
    });
    return last[0];
  }

  private static JsonObject createThrough(Node n) {
    return bearer(n, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 3600));
  }

  @Test
  void createThroughA_appearsInCsListing() {
    String task = createThroughA().getString("task_id");
    JsonObject shown = awaitOnC(task, "the new task", e -> true);
    assertEquals("active", shown.getString("status"));
  }

  @Test
  void createThroughC_isInCsListingAtOnce() {
    // The creating node takes its own write into its index before answering: no waiting for its own event.
    String task = createThrough(c).getString("task_id");
    assertNotNull(entry(listOn(c), task), "a task created through C, listed through C right after");
  }

  @Test
  void bindThroughA_showsTheHolderInCsListing() {
    JsonObject t = createThroughA();
    String task = t.getString("task_id");
    JsonObject before = awaitOnC(task, "the new task", e -> true);
    assertNull(before.getString("holder_jkt"));

    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bind = McpClient.dpop(TestKit.localMcp(a), t.getString("token"), key, PUBLIC + "/mcp")
        .ok("task_bind", null);
    String jkt = bind.getString("holder_jkt");
    long epoch = bind.getLong("epoch");
    JsonObject after = awaitOnC(task, "holder and epoch", e -> jkt.equals(e.getString("holder_jkt"))
        && e.getLong("epoch") == epoch);
    assertTrue(after.getBoolean("holder_bound"));
  }

  @Test
  void reissueThroughA_showsTheNewEpochInCsListing() {
    JsonObject t = createThroughA();
    String task = t.getString("task_id");
    long old = awaitOnC(task, "the new task", e -> true).getLong("epoch");
    JsonObject re = bearer(a, t.getString("token")).ok("task_reissue", null);
    long epoch = re.getLong("epoch");
    assertTrue(epoch > old, re.encode());
    awaitOnC(task, "epoch " + epoch, e -> e.getLong("epoch") == epoch);
  }

  @Test
  void revokeThroughA_showsRevokedInCsListing() {
    String task = createThroughA().getString("task_id");
    awaitOnC(task, "the new task", e -> true);
    JsonObject revoke = bearer(a, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", task));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    // The status comes from the watermark, on every node once the revoke is acknowledged: no waiting.
    assertEquals("revoked", entry(listOn(c), task).getString("status"));
  }

  @Test
  void revokeByApiKey_countsTheSubtreeFromTheIndex_notByAClusterQuery() {
    JsonObject root = bearer(c, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 3600)
        .put("can_delegate", true));
    bearer(c, root.getString("token")).ok("task_delegate", null);
    TaskRegistry registry = c.cluster().tasks();
    long served = registry.indexStats().served();
    JsonObject revoke = bearer(c, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id",
        root.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    assertEquals(1, revoke.getInteger("cascade_count"), revoke.encode());
    // cascade_count is display only: read from C's listing index, not by a query every member must answer.
    assertTrue(registry.indexStats().served() > served, "the count came from C's index: " + registry.indexStats());
  }

  private static JsonObject createThroughA() {
    return createThrough(a);
  }
}
