package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node that loses its quorum answers 503 {@code cluster_unavailable} for task tokens and refuses dashboard
 * sessions (it could miss a sign-out), and recovers.
 */
class QuorumTest {

  @Test
  void lostQuorum_answers503_thenRecovers() throws Exception {
    TestKit kit = new TestKit();
    String adminKey = dev.ephyr.broker.policy.ApiKeys.generate(TestKit.RANDOM);
    java.nio.file.Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + "admins:\n  ops:\n"
        + "    credential: \"" + dev.ephyr.broker.policy.ApiKeys.hash(adminKey) + "\"\n");
    int pa = TestKit.freePort();
    int pb = TestKit.freePort();
    Node a = null;
    Node b = null;
    Node b2 = null;
    try {
      a = TestKit.start(kit.config("qa", pa, List.of(pa, pb)).build());
      b = TestKit.start(kit.config("qb", pb, List.of(pa, pb)).build());
      TestKit.awaitReady(a);
      TestKit.awaitReady(b);
      String url = "http://127.0.0.1:" + a.port() + "/mcp";
      String token = McpClient.bearer(url, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600))
          .getString("token");
      assertEquals(200, McpClient.bearer(url, token).rpc("ping", null).status());
      String session = AdminApiTest.signIn(a, adminKey);
      String status = "http://127.0.0.1:" + a.port() + "/admin/status";
      assertEquals(200, Http.get(status, AdminApiTest.asDashboard(session)).status());

      TestKit.close(b);
      b = null;
      Eventually.await(Duration.ofSeconds(60), "node A to fail closed", () -> {
        Http.Response r = McpClient.bearer(url, token).rpc("ping", null);
        return r.status() == 503 && "cluster_unavailable".equals(r.json().getString("error"));
      });
      Http.Response r = McpClient.bearer(url, token).rpc("ping", null);
      assertEquals("2", r.header("Retry-After"));
      Http.Response create = McpClient.bearer(url, kit.aliceKey).call("task_create", null);
      assertEquals(503, create.status(), create.toString());
      assertEquals("cluster_unavailable", create.json().getString("error"));
      assertEquals(503, Http.get("http://127.0.0.1:" + a.port() + "/readyz", Map.of()).status());
      // Cut off, A could miss a sign-out made on the other side: dashboard sessions fail closed too.
      Http.Response bySession = Http.get(status, AdminApiTest.asDashboard(session));
      assertEquals(503, bySession.status(), bySession.toString());
      assertEquals("session_check_unavailable", bySession.json().getString("error"));

      b2 = TestKit.start(kit.config("qb2", pb, List.of(pa, pb)).build());
      Eventually.await(Duration.ofSeconds(60), "node A to recover", () ->
          McpClient.bearer(url, token).rpc("ping", null).status() == 200);
      assertEquals(200, Http.get("http://127.0.0.1:" + a.port() + "/readyz", Map.of()).status());
      assertEquals(200, Http.get(status, AdminApiTest.asDashboard(session)).status(), "the session works again");
      long blocked = a.blockedThreadWarnings() + b2.blockedThreadWarnings();
      assertEquals(0, blocked, "an event loop was blocked");
    } finally {
      TestKit.close(b2);
      TestKit.close(b);
      TestKit.close(a);
    }
  }
}
