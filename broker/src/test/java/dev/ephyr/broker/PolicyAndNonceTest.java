package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Policy narrows live tokens at use time; server DPoP nonces are demanded and honoured when configured. */
class PolicyAndNonceTest {

  private static JsonObject whoami(McpClient c) {
    Http.Response r = c.rpc("resources/read", new JsonObject().put("uri", "ephyr://whoami"));
    assertEquals(200, r.status(), r.toString());
    return new JsonObject(r.json().getJsonObject("result").getJsonArray("contents").getJsonObject(0).getString("text"));
  }

  @Test
  void policyChange_narrowsLiveTokens() throws Exception {
    TestKit kit = new TestKit();
    Node node = TestKit.start(kit.soloConfig("pol").build());
    try {
      TestKit.awaitReady(node);
      JsonObject root = McpClient.bearer(node.mcpUrl(), kit.aliceKey).ok("task_create",
          new JsonObject().put("ttl", 600).put("can_delegate", true));
      String bobToken = McpClient.bearer(node.mcpUrl(), kit.bobKey).ok("task_create", new JsonObject().put("ttl", 600))
          .getString("token");
      McpClient t = McpClient.bearer(node.mcpUrl(), root.getString("token"));
      assertEquals(new JsonArray().add("GET").add("POST"), whoami(t).getJsonObject("envelope").getJsonArray("methods"));
      assertTrue(McpEndpointTest.names(t.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"))
          .contains("task_delegate"));

      String narrowed = kit.policyYaml().replace("    methods: [GET, POST]\n    delegate: true\n    max_depth: 2\n",
          "    methods: [GET]\n");
      assertFalse(narrowed.equals(kit.policyYaml()), "the replacement must apply");
      Files.writeString(kit.dir.resolve("policy.yaml"), narrowed);
      node.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      JsonObject env = whoami(t).getJsonObject("envelope");
      assertEquals(new JsonArray().add("GET"), env.getJsonArray("methods"), "the same token, narrowed");
      assertFalse(env.getBoolean("delegate"));
      assertFalse(McpEndpointTest.names(t.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools"))
          .contains("task_delegate"));
      assertEquals("delegation_not_allowed", t.toolError("task_delegate", null));
      assertEquals("delegation_not_allowed", McpClient.bearer(node.mcpUrl(), kit.aliceKey).toolError("task_create",
          new JsonObject().put("can_delegate", true)));

      // An agent removed from the policy loses its live tokens and its API key at once.
      Files.writeString(kit.dir.resolve("policy.yaml"), String.join("\n", "version: 1", "agents:", "  alice:",
          "    api_keys: [\"" + dev.ephyr.broker.policy.ApiKeys.hash(kit.aliceKey) + "\"]", "    methods: [GET]", ""));
      node.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Http.Response gone = McpClient.bearer(node.mcpUrl(), bobToken).rpc("ping", null);
      assertEquals(403, gone.status(), gone.toString());
      assertEquals("agent_not_in_policy", gone.json().getString("error"));
      assertEquals("invalid_api_key", McpClient.bearer(node.mcpUrl(), kit.bobKey).rpc("ping", null).json()
          .getString("error"));
      // A broken file is refused and the last good policy stays.
      Files.writeString(kit.dir.resolve("policy.yaml"), "version: 1\nagents:\n  alice:\n    tagets: []\n");
      assertTrue(node.reloadPolicy().toCompletionStage().toCompletableFuture().handle((v, e) -> e != null)
          .get(30, TimeUnit.SECONDS));
      assertEquals(200, t.rpc("ping", null).status());
      assertEquals(0, node.blockedThreadWarnings());
    } finally {
      TestKit.close(node);
    }
  }

  @Test
  void requiredNonce_isDemandedWithAFreshOne_thenAccepted() throws Exception {
    TestKit kit = new TestKit();
    Node node = TestKit.start(kit.soloConfig("nonce").set("dpop.require-nonce", "true").build());
    try {
      TestKit.awaitReady(node);
      HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
      String token = McpClient.bearer(node.mcpUrl(), kit.aliceKey).ok("task_create",
          new JsonObject().put("ttl", 600).put("holder_jkt", key.jkt())).getString("token");
      byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
      Http.Response first = Http.send("POST", node.mcpUrl(), Map.of("Content-Type", "application/json",
          "Authorization", "DPoP " + token, "DPoP", DpopProofBuilder.forKey(key).method("POST").url(node.mcpUrl())
              .accessToken(token).body(body).build()), body);
      assertEquals(401, first.status());
      assertEquals("pop_nonce_required", first.json().getString("error"));
      assertTrue(first.header("WWW-Authenticate").contains("use_dpop_nonce"));
      String nonce = first.header("DPoP-Nonce");
      assertNotNull(nonce);
      Http.Response second = Http.send("POST", node.mcpUrl(), Map.of("Content-Type", "application/json",
          "Authorization", "DPoP " + token, "DPoP", DpopProofBuilder.forKey(key).method("POST").url(node.mcpUrl())
              .accessToken(token).body(body).nonce(nonce).build()), body);
      assertEquals(200, second.status(), second.toString());
    } finally {
      TestKit.close(node);
    }
  }
}
