package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three broker nodes in three JVMs, each with its own state directory, killed with SIGKILL (no graceful
 * leave, nothing flushed) and started again: nothing acknowledged before the kill is undone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DurableRestartTest {
  private static final Duration START = Duration.ofSeconds(150);
  private static TestKit kit;
  private static ChildCluster cluster;
  private static List<String> urls;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    cluster = new ChildCluster(kit, 3);
    urls = cluster.urls;
    try {
      startNodes(List.of(0, 1, 2));
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

  /** Starts the given nodes in that order (each process launched before the previous is ready) and waits for all. */
  private static void startNodes(List<Integer> order) throws Exception {
    cluster.start(order, START);
  }

  /** SIGKILL to every given node, back to back, then waits for them to be gone. */
  private static void killNow(List<Integer> which) throws InterruptedException {
    cluster.kill(which);
  }

  private static McpClient alice(int node) {
    return McpClient.bearer(urls.get(node) + "/mcp", kit.aliceKey);
  }

  private static int ping(int node, String token) {
    return McpClient.bearer(urls.get(node) + "/mcp", token).rpc("ping", null).status();
  }

  private static Map<String, String> statuses(JsonObject list) {
    Map<String, String> out = new HashMap<>();
    list.getJsonArray("tasks").forEach(o -> out.put(((JsonObject) o).getString("task_id"),
        ((JsonObject) o).getString("status")));
    return out;
  }

  @Test
  @Order(1)
  void revokeThenKillAllThreeAtOnce_restartInAnotherOrder_nothingUndone() throws Exception {
    JsonObject root = alice(0).ok("task_create", new JsonObject().put("ttl", 900).put("can_delegate", true));
    McpClient rootOnB = McpClient.bearer(urls.get(1) + "/mcp", root.getString("token"));
    JsonObject child = rootOnB.ok("task_delegate", new JsonObject().put("can_delegate", true));
    JsonObject grandchild = McpClient.bearer(urls.get(2) + "/mcp", child.getString("token")).ok("task_delegate", null);
    // A bound task (two-phase), bound on C.
    JsonObject pending = alice(1).ok("task_create", new JsonObject().put("bind_within", 120).put("ttl", 900));
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bound = McpClient.dpop(urls.get(2) + "/mcp", pending.getString("token"), key).ok("task_bind", null);
    assertEquals(key.jkt(), bound.getString("holder_jkt"));

    JsonObject revoke = alice(0).ok("task_revoke", new JsonObject().put("task_id", child.getString("task_id")));
    killNow(List.of(0, 1, 2)); // within a few microseconds of the acknowledgement
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());

    startNodes(List.of(2, 0, 1));
    for (int n = 0; n < 3; n++) {
      Http.Response r = McpClient.bearer(urls.get(n) + "/mcp", child.getString("token")).rpc("ping", null);
      assertEquals(401, r.status(), "node " + n + ": " + r);
      assertEquals("revoked", r.json().getString("error"));
      assertEquals(401, ping(n, grandchild.getString("token")), "the subtree stays refused on node " + n);
      assertEquals(200, ping(n, root.getString("token")), "the parent works on node " + n);
    }
    JsonObject info = alice(1).ok("task_info", new JsonObject().put("task_id", child.getString("task_id")));
    assertEquals("revoked", info.getString("status"));
    assertEquals("active", alice(2).ok("task_info", new JsonObject().put("task_id", root.getString("task_id")))
        .getString("status"));
    Map<String, String> listed = statuses(alice(0).ok("task_list", new JsonObject().put("include_inactive", true)));
    assertEquals("active", listed.get(root.getString("task_id")), listed.toString());
    assertEquals("revoked", listed.get(child.getString("task_id")), listed.toString());
    assertEquals("revoked_ancestor", listed.get(grandchild.getString("task_id")), listed.toString());

    // The bound task is still bound to the same key; its unbound copy cannot bind again, with any key.
    McpClient boundOnA = McpClient.dpop(urls.get(0) + "/mcp", bound.getString("token"), key);
    JsonObject boundInfo = boundOnA.ok("task_info", null);
    assertEquals(key.jkt(), boundInfo.getString("holder_jkt"));
    HolderKeyPair thief = HolderKeyPair.generate(TestKit.RANDOM);
    assertEquals("already_bound", McpClient.dpop(urls.get(1) + "/mcp", pending.getString("token"), thief)
        .toolError("task_bind", null));
    assertEquals(401, ping(1, bound.getString("token")), "a bound token still needs its proof");
  }

  @Test
  @Order(2)
  void killTwoOfThree_survivorFailsClosed_restartTheTwo_nothingLost() throws Exception {
    List<JsonObject> revoked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject t = alice(i % 3).ok("task_create", new JsonObject().put("ttl", 900));
      assertTrue(alice((i + 1) % 3).ok("task_revoke", new JsonObject().put("task_id", t.getString("task_id")))
          .getBoolean("acknowledged_by_all"));
      revoked.add(t);
    }
    JsonObject live = alice(0).ok("task_create", new JsonObject().put("ttl", 900));
    // With backup-count 1, a partition whose owner and backup were both on B and C is gone from memory.
    killNow(List.of(1, 2));
    Eventually.await(Duration.ofSeconds(60), "A fails closed", () -> ping(0, live.getString("token")) == 503);
    Http.Response refused = alice(0).call("task_revoke", new JsonObject().put("task_id", live.getString("task_id")));
    assertEquals(503, refused.status(), "no revoke is acknowledged below quorum: " + refused);

    startNodes(List.of(2, 1));
    Eventually.await(Duration.ofSeconds(60), "A serves again", () -> ping(0, live.getString("token")) == 200);
    for (JsonObject t : revoked) {
      for (int n = 0; n < 3; n++) {
        assertEquals(401, ping(n, t.getString("token")), "revoked task " + t.getString("task_id") + " on node " + n);
      }
    }
    Map<String, String> listed = statuses(alice(2).ok("task_list", new JsonObject().put("include_inactive", true)));
    for (JsonObject t : revoked) {
      assertEquals("revoked", listed.get(t.getString("task_id")), listed.toString());
    }
    assertEquals("active", listed.get(live.getString("task_id")));
  }

  @Test
  @Order(3)
  void thousandRevokesRacing_killAllInTheMiddle_noAcknowledgedRevokeUndone() throws Exception {
    int count = 1_000;
    JsonObject control = alice(0).ok("task_create", new JsonObject().put("ttl", 900));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<JsonObject>> created = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int node = i % 3;
        created.add(pool.submit(() -> alice(node).ok("task_create", new JsonObject().put("ttl", 900))));
      }
      List<JsonObject> tasks = new ArrayList<>();
      for (Future<JsonObject> f : created) {
        tasks.add(f.get(120, TimeUnit.SECONDS));
      }
      ConcurrentLinkedQueue<JsonObject> acknowledged = new ConcurrentLinkedQueue<>();
      AtomicBoolean killed = new AtomicBoolean();
      AtomicInteger sent = new AtomicInteger();
      List<Future<?>> revokes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        JsonObject t = tasks.get(i);
        int node = (i + 1) % 3;
        revokes.add(pool.submit(() -> {
          if (killed.get()) {
            return;
          }
          sent.incrementAndGet();
          try {
            Http.Response r = alice(node).call("task_revoke", new JsonObject().put("task_id", t.getString("task_id")));
            JsonObject result = r.status() == 200 ? r.json().getJsonObject("result") : null;
            if (result != null && !result.getBoolean("isError", false)) {
              JsonObject body = result.getJsonObject("structuredContent");
              if (body.getBoolean("acknowledged_by_all", false)) {
                acknowledged.add(t);
              }
            }
          } catch (RuntimeException e) {
            // the node died under the call: not acknowledged, nothing to check
          }
        }));
      }
      Eventually.await(Duration.ofSeconds(120), "half the revokes acknowledged", () -> acknowledged.size() >= count / 2);
      killed.set(true);
      killNow(List.of(0, 1, 2));
      for (Future<?> f : revokes) {
        f.get(120, TimeUnit.SECONDS);
      }
      List<JsonObject> done = new ArrayList<>(acknowledged);
      assertTrue(done.size() >= count / 2, "acknowledged " + done.size());
      startNodes(List.of(1, 2, 0));
      List<Future<Integer>> checks = new ArrayList<>();
      for (int i = 0; i < done.size(); i++) {
        JsonObject t = done.get(i);
        int node = i % 3;
        checks.add(pool.submit(() -> ping(node, t.getString("token"))));
      }
      int accepted = 0;
      for (Future<Integer> f : checks) {
        if (f.get(120, TimeUnit.SECONDS) != 401) {
          accepted++;
        }
      }
      assertEquals(0, accepted, "revoked tokens accepted after the restart (of " + done.size() + " acknowledged)");
      // A task nobody revoked still works: the restart did not simply refuse everything.
      for (int n = 0; n < 3; n++) {
        assertEquals(200, ping(n, control.getString("token")), "the control task on node " + n);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
