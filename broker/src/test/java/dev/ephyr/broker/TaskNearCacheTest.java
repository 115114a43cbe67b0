package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The near cache of task records on three real nodes: node C reads a task (its near cache then holds the record),
 * the task is bound, reissued or revoked through node A, and C must show the change. The cache's TTL is an hour
 * here, so only an invalidation can bring C's copy up to date within the deadline.
 */
class TaskNearCacheTest {
  private static final String PUBLIC = "https://ephyr.test";
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static TestKit kit;
  private static Node a;
  private static Node b;
  private static Node c;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    Node[] nodes = kit.startCluster(n -> n.publicUrl(PUBLIC).set("cluster.task-cache-ttl", "3600s"), "a", "b", "c");
    a = nodes[0];
    b = nodes[1];
    c = nodes[2];
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(a, b, c);
  }

  private static McpClient bearer(Node n, String credential) {
    return McpClient.bearer(TestKit.localMcp(n), credential);
  }

  private static McpClient bound(Node n, String token, HolderKeyPair key) {
    return McpClient.dpop(TestKit.localMcp(n), token, key, PUBLIC + "/mcp");
  }

  /** Creates a root task through A; returns task_create's answer (task_id, token). */
  private static JsonObject createThroughA() {
    return bearer(a, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 3600));
  }

  /**
   * Has C read {@code task} through task_info, then proves the record sits in C's near cache: a display read
   * is answered at once (no operation sent anywhere) and counted as a near-cache hit. The invalidation sent for
   * the task's creation may reach C after its first read cached the record (and drop it): C then reads again.
   */
  private static TaskRecord readOnC(String task, String token) throws Exception {
    TaskRegistry registry = c.cluster().tasks();
    TaskRecord[] cached = {null};
    Eventually.await(DEADLINE, "C's near cache to hold " + task, () -> {
      JsonObject info = bearer(c, token).ok("task_info", null);
      assertEquals(task, info.getString("task_id"), info.encode());
      long hits = registry.cacheStats().hits();
      CompletableFuture<Optional<TaskRecord>> read = registry.getForDisplay(task).toCompletableFuture();
      if (read.isDone() && registry.cacheStats().hits() == hits + 1) {
        cached[0] = read.get().orElseThrow();
        return true;
      }
      read.get(10, TimeUnit.SECONDS);
      return false;
    });
    assertTrue(registry.cacheStats().entries() >= 1, registry.cacheStats().toString());
    return cached[0];
  }

  /** Polls C's near-cache read of {@code task} until {@code shows} holds; fails after the deadline. */
  private static TaskRecord awaitOnC(String task, String what, Predicate<TaskRecord> shows) {
    TaskRecord[] last = {null};
    Eventually.await(DEADLINE, "C's copy of " + task + " to show " + what, () -> {
      last[0] = c.cluster().tasks().getForDisplay(task).toCompletableFuture().get(10, TimeUnit.SECONDS).orElse(null);
      return last[0] != null && shows.test(last[0]);
    });
    return last[0];
  }

  @Test
  void bindThroughA_invalidatesCsCopy() throws Exception {
    JsonObject t = createThroughA();
    String task = t.getString("task_id");
    TaskRecord before = readOnC(task, t.getString("token"));
    assertEquals(null, before.holderJkt());
    long invalidations = c.cluster().tasks().cacheStats().invalidations();

    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bind = bound(a, t.getString("token"), key).ok("task_bind", null);
    String jkt = bind.getString("holder_jkt");
    long epoch = bind.getLong("epoch");

    TaskRecord after = awaitOnC(task, "the holder and the new epoch", r -> jkt.equals(r.holderJkt()) && r.epoch() == epoch);
    assertEquals(epoch, after.epoch());
    assertTrue(c.cluster().tasks().cacheStats().invalidations() > invalidations, "C's copy left by an invalidation");
    JsonObject info = bound(c, bind.getString("token"), key).ok("task_info", null);
    assertEquals(jkt, info.getString("holder_jkt"), info.encode());
    assertEquals(epoch, info.getLong("epoch"));
    assertEquals("active", info.getString("status"));
  }

  @Test
  void reissueThroughA_invalidatesCsCopy() throws Exception {
    JsonObject t = createThroughA();
    String task = t.getString("task_id");
    TaskRecord before = readOnC(task, t.getString("token"));
    long invalidations = c.cluster().tasks().cacheStats().invalidations();

    JsonObject re = bearer(a, t.getString("token")).ok("task_reissue", null);
    long epoch = re.getLong("epoch");
    assertTrue(epoch > before.epoch(), re.encode());

    awaitOnC(task, "epoch " + epoch, r -> r.epoch() == epoch);
    assertTrue(c.cluster().tasks().cacheStats().invalidations() > invalidations, "C's copy left by an invalidation");
    JsonObject info = bearer(c, re.getString("token")).ok("task_info", null);
    assertEquals(epoch, info.getLong("epoch"), info.encode());
    assertEquals("active", info.getString("status"));
  }

  @Test
  void revokeThroughA_showsRevokedOnC() throws Exception {
    JsonObject t = createThroughA();
    String task = t.getString("task_id");
    readOnC(task, t.getString("token"));

    JsonObject revoke = bearer(a, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", task));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());

    // A revoke writes no record (the status comes from the watermark, which every node's mirror has once the
    // revoke is acknowledged): C's cached copy is still current, and C shows the task revoked.
    Eventually.await(DEADLINE, "C to show " + task + " revoked", () -> "revoked".equals(
        bearer(c, kit.aliceKey).ok("task_info", new JsonObject().put("task_id", task)).getString("status")));
    assertEquals(401, bearer(c, t.getString("token")).call("task_info", null).status());
  }
}
