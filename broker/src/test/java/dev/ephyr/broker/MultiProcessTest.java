package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three broker nodes in three separate JVMs: create on A, delegate on B, use the child on C, revoke the root on
 * any node; once the revoke answers, the child is rejected on every node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiProcessTest {
  private static TestKit kit;
  private static ChildCluster cluster;
  private static List<String> urls;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    cluster = ChildCluster.inMemory(kit, 3);
    urls = cluster.urls;
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

  /** One use of a token: when it was sent (test JVM clock) and what came back. */
  private record Use(long sentNanos, int status) {}

  @Test
  @Order(1)
  void usesRacingTheRevoke_noneSentAfterTheAnswerIsAccepted() throws Exception {
    McpClient alice = McpClient.bearer(urls.get(0) + "/mcp", kit.aliceKey);
    JsonObject root = alice.ok("task_create", new JsonObject().put("ttl", 600).put("can_delegate", true));
    JsonObject child = McpClient.bearer(urls.get(1) + "/mcp", root.getString("token")).ok("task_delegate", null);
    ConcurrentLinkedQueue<Use> uses = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> hammers = new ArrayList<>();
    for (String u : List.of(urls.get(0), urls.get(2))) {
      Thread t = new Thread(() -> {
        McpClient c = McpClient.bearer(u + "/mcp", child.getString("token"));
        while (!stop.get()) {
          long sent = System.nanoTime();
          uses.add(new Use(sent, c.rpc("ping", null).status()));
        }
      }, "hammer-" + u);
      t.setDaemon(true);
      t.start();
      hammers.add(t);
    }
    long answered;
    try {
      Eventually.await(Duration.ofSeconds(30), "accepted uses before the revoke",
          () -> uses.stream().filter(x -> x.status() == 200).count() >= 10);
      JsonObject revoke = McpClient.bearer(urls.get(1) + "/mcp", kit.aliceKey).ok("task_revoke",
          new JsonObject().put("task_id", root.getString("task_id")));
      answered = System.nanoTime();
      assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
      Eventually.await(Duration.ofSeconds(30), "uses after the revoke",
          () -> uses.stream().filter(x -> x.sentNanos() > answered).count() >= 20);
    } finally {
      stop.set(true);
      for (Thread t : hammers) {
        t.join(30_000);
      }
    }
    for (Use x : uses) {
      assertTrue(x.status() == 200 || x.status() == 401, "unexpected status " + x.status());
      if (x.sentNanos() > answered) {
        assertEquals(401, x.status(), "a use sent after the revoke answered was accepted");
      }
    }
  }

  @Test
  @Order(2)
  void createOnA_delegateOnB_useOnC_revokeAnywhere_rejectedEverywhere() {
    McpClient aliceA = McpClient.bearer(urls.get(0) + "/mcp", kit.aliceKey);
    JsonObject root = aliceA.ok("task_create", new JsonObject().put("ttl", 600).put("can_delegate", true));
    JsonObject child = McpClient.bearer(urls.get(1) + "/mcp", root.getString("token")).ok("task_delegate",
        new JsonObject().put("agent", "bob"));
    McpClient childOnC = McpClient.bearer(urls.get(2) + "/mcp", child.getString("token"));
    JsonObject info = childOnC.ok("task_info", null);
    assertEquals("active", info.getString("status"));
    assertEquals(root.getString("task_id"), info.getString("parent_id"));

    JsonObject revoke = McpClient.bearer(urls.get(2) + "/mcp", kit.aliceKey).ok("task_revoke",
        new JsonObject().put("task_id", root.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    assertEquals(3, revoke.getInteger("members"));
    for (String u : urls) {
      Http.Response r = McpClient.bearer(u + "/mcp", child.getString("token")).rpc("ping", null);
      assertEquals(401, r.status(), u + ": " + r);
      assertEquals("revoked", r.json().getString("error"));
    }
    // The revoke can also be issued on the node where the tree was created; a second tree proves "any node".
    JsonObject root2 = McpClient.bearer(urls.get(1) + "/mcp", kit.aliceKey).ok("task_create",
        new JsonObject().put("ttl", 600).put("can_delegate", true));
    JsonObject child2 = McpClient.bearer(urls.get(2) + "/mcp", root2.getString("token")).ok("task_delegate", null);
    assertEquals(200, McpClient.bearer(urls.get(0) + "/mcp", child2.getString("token")).rpc("ping", null).status());
    assertTrue(McpClient.bearer(urls.get(0) + "/mcp", kit.aliceKey).ok("task_revoke",
        new JsonObject().put("task_id", root2.getString("task_id"))).getBoolean("acknowledged_by_all"));
    for (String u : urls) {
      assertEquals(401, McpClient.bearer(u + "/mcp", child2.getString("token")).rpc("ping", null).status());
    }
  }

  /** Runs last: it kills two of the three nodes (no graceful leave) and brings one back. */
  @Test
  @Order(3)
  void killedMajority_lastNodeFailsClosed_untilQuorumReturns() throws Exception {
    String a = urls.get(0) + "/mcp";
    String token = McpClient.bearer(a, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600))
        .getString("token");
    assertEquals(200, McpClient.bearer(a, token).rpc("ping", null).status());
    cluster.kill(List.of(1, 2));
    Eventually.await(Duration.ofSeconds(60), "node A to fail closed", () -> {
      Http.Response r = McpClient.bearer(a, token).rpc("ping", null);
      return r.status() == 503 && "cluster_unavailable".equals(r.json().getString("error"));
    });
    assertEquals(503, Http.get(urls.get(0) + "/readyz", Map.of()).status());
    cluster.start(List.of(1), Duration.ofSeconds(150));
    Eventually.await(Duration.ofSeconds(90), "node A to recover with B back",
        () -> McpClient.bearer(a, token).rpc("ping", null).status() == 200);
    assertEquals(200, McpClient.bearer(urls.get(1) + "/mcp", token).rpc("ping", null).status(), "B serves too");
  }
}
