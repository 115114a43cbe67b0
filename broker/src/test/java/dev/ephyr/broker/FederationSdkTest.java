package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.testing.Eventually;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Federation against the official MCP Java SDK's server (Streamable HTTP servlet transport in Tomcat): its
 * tools appear namespaced, a call the token's {@code tools} caveat allows returns the remote's real result,
 * one outside it never reaches the remote, the injected credential arrives but never reaches the agent,
 * resource URIs round-trip, and a remote that goes down is marked down and comes back after a restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationSdkTest {
  private static final String SECRET = "sdk-remote-secret-" + ApiKeys.generate(TestKit.RANDOM).substring(3, 20);
  private static TestKit kit;
  private static Node node;
  private static SdkMcpServer remote;
  private static int remotePort;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    remote = SdkMcpServer.start(kit.dir, 0);
    remotePort = remote.port();
    Path secret = kit.dir.resolve("sdk.token");
    Files.writeString(secret, SECRET + "\n");
    Files.writeString(kit.dir.resolve("policy.yaml"), String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    remotes: [sdk]",
        "    tools: [\"sdk.*\"]",
        "    delegate: true",
        "  bob:",
        "    api_keys: [\"" + ApiKeys.hash(kit.bobKey) + "\"]",
        "    targets: \"*\"",
        "remotes:",
        "  sdk:",
        "    url: " + remote.url(),
        "    auth: { type: bearer, secret_file: " + secret + " }",
        "    allow_private: true",
        "    timeout: 5s",
        "    refresh: 10s",
        ""));
    node = kit.startSolo("fed");
    McpClient alice = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    alice.initialize("2025-11-25");
    Eventually.await(Duration.ofSeconds(30), "sdk tools discovered", () -> names(alice).contains("sdk__echo"));
    token = alice.ok("task_create", new JsonObject().put("ttl", 600).put("can_delegate", true).put("envelope", new JsonObject()
        .put("remotes", new JsonArray().add("sdk"))
        .put("tools", new JsonArray().add("sdk__echo").add("sdk__add").add("sdk__whoami_auth").add("sdk__link")
            .add("sdk__read_uri")))).getString("token");
  }

  @AfterAll
  static void stop() throws Exception {
    long blocked = node == null ? 0 : node.blockedThreadWarnings();
    TestKit.close(node);
    if (remote != null) {
      remote.close();
    }
    assertEquals(0, blocked, "an event loop was blocked");
  }

  private static List<String> names(McpClient c) {
    JsonArray tools = c.rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools");
    List<String> out = new ArrayList<>();
    tools.forEach(t -> out.add(((JsonObject) t).getString("name")));
    return out;
  }

  private static McpClient task() {
    McpClient c = McpClient.bearer(node.mcpUrl(), token);
    c.initialize("2025-11-25");
    return c;
  }

  /** The raw MCP result of a tools/call. */
  private static JsonObject callResult(McpClient c, String tool, JsonObject args) {
    Http.Response r = c.call(tool, args);
    assertEquals(200, r.status(), r.toString());
    return r.json().getJsonObject("result");
  }

  @Test
  @Order(1)
  void toolsAppearNamespaced_filteredByTheTokensCaveat() {
    List<String> names = names(task());
    assertTrue(names.containsAll(List.of("list_remotes", "sdk__echo", "sdk__add", "sdk__whoami_auth", "sdk__link",
        "sdk__read_uri")), names.toString());
    assertFalse(names.contains("sdk__secret_tool"), "outside the token's tools caveat: " + names);
    assertFalse(names.contains("echo"));
    // The API key acts within alice's policy, which grants sdk.*.
    McpClient alice = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    alice.initialize("2025-06-18");
    assertTrue(names(alice).contains("sdk__secret_tool"));
    // bob's policy grants no remote: nothing federated, not even list_remotes.
    McpClient bob = McpClient.bearer(node.mcpUrl(), kit.bobKey);
    bob.initialize("2025-06-18");
    assertTrue(names(bob).stream().noneMatch(n -> n.startsWith("sdk__") || n.equals("list_remotes")));
    assertEquals("remote_not_allowed", bob.toolError("sdk__echo", new JsonObject().put("text", "x")));
    // The remote's input schema is passed through.
    JsonObject echo = task().rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools")
        .stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("sdk__echo")).findFirst()
        .orElseThrow();
    assertEquals("string", echo.getJsonObject("inputSchema").getJsonObject("properties").getJsonObject("text")
        .getString("type"));
    // Annotations: what the remote says is kept; what it leaves out takes the cautious default.
    assertEquals(new JsonObject().put("title", "Echo").put("readOnlyHint", true).put("destructiveHint", true)
        .put("idempotentHint", false).put("openWorldHint", false), echo.getJsonObject("annotations"));
    JsonObject add = task().rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools")
        .stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("sdk__add")).findFirst()
        .orElseThrow();
    assertEquals(new JsonObject().put("title", "add (sdk)").put("readOnlyHint", false).put("destructiveHint", true)
        .put("idempotentHint", false).put("openWorldHint", true), add.getJsonObject("annotations"));
  }

  @Test
  @Order(2)
  void allowedCall_returnsTheRemotesRealResult() {
    McpClient t = task();
    JsonObject r = callResult(t, "sdk__echo", new JsonObject().put("text", "hello"));
    assertFalse(r.getBoolean("isError"));
    assertEquals("echo: hello", r.getJsonArray("content").getJsonObject(0).getString("text"));
    JsonObject sum = callResult(t, "sdk__add", new JsonObject().put("a", 40).put("b", 2));
    assertEquals(42, sum.getJsonObject("structuredContent").getInteger("sum"));
    assertTrue(remote.calls.contains("echo") && remote.calls.contains("add"));
  }

  @Test
  @Order(3)
  void callOutsideTheCaveat_isRefusedBeforeItLeavesTheBroker() {
    McpClient t = task();
    int before = remote.calls.size();
    assertEquals("tool_not_allowed", t.toolError("sdk__secret_tool", new JsonObject()));
    // A tool the remote does not have, and a remote the policy does not have.
    McpClient alice = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    alice.initialize("2025-11-25");
    assertEquals("unknown_tool", alice.toolError("sdk__nope", new JsonObject()));
    assertEquals("tool_not_allowed", t.toolError("sdk__nope", new JsonObject()));
    Http.Response unknown = t.call("other.echo", new JsonObject());
    assertNotNull(unknown.json().getJsonObject("error"), unknown.toString());
    // A child task narrowed to sdk.echo cannot call sdk.add either.
    String child = t.ok("task_delegate", new JsonObject().put("ttl", 60).put("envelope", new JsonObject()
        .put("tools", new JsonArray().add("sdk__echo")))).getString("token");
    McpClient c = McpClient.bearer(node.mcpUrl(), child);
    c.initialize("2025-11-25");
    assertEquals("tool_not_allowed", c.toolError("sdk__add", new JsonObject().put("a", 1).put("b", 2)));
    assertEquals(before, remote.calls.size(), "the remote saw a refused call: " + remote.calls);
    assertFalse(remote.calls.contains("secret_tool"));
  }

  @Test
  @Order(4)
  void credentialArrivesAtTheRemote_andNeverReachesTheAgent() {
    McpClient t = task();
    JsonObject r = callResult(t, "sdk__whoami_auth", new JsonObject());
    String seen = remote.authorizations.get(remote.authorizations.size() - 1);
    assertEquals("Bearer " + SECRET, seen);
    String text = r.getJsonArray("content").getJsonObject(0).getString("text");
    assertEquals("you sent: Bearer [redacted]", text);
    assertFalse(r.encode().contains(SECRET));
    JsonObject status = t.ok("list_remotes", new JsonObject());
    assertFalse(status.encode().contains(SECRET));
    assertFalse(status.encode().contains(remote.url()), "the remote's location is not shown to agents");
  }

  @Test
  @Order(5)
  void resourceUris_areMappedAndRoundTrip() {
    McpClient t = task();
    JsonArray content = callResult(t, "sdk__link", new JsonObject()).getJsonArray("content");
    String link = content.getJsonObject(0).getString("uri");
    assertEquals("resource_link", content.getJsonObject(0).getString("type"));
    assertEquals("ephyr://remote/sdk/file%3A%2F%2F%2Fsrv%2Freports%2Fq3+final.txt", link);
    assertEquals("ephyr://remote/sdk/memo%3A%2F%2Fnotes%2F1",
        content.getJsonObject(1).getJsonObject("resource").getString("uri"));
    JsonObject read = callResult(t, "sdk__read_uri", new JsonObject().put("uri", link));
    assertEquals("read file:///srv/reports/q3 final.txt", read.getJsonArray("content").getJsonObject(0)
        .getString("text"));
    assertEquals("file:///srv/reports/q3 final.txt", remote.arguments.get(remote.arguments.size() - 1).get("uri"));
    // resources/read of a mapped URI goes to its remote with the original URI, and comes back mapped.
    String memo = content.getJsonObject(1).getJsonObject("resource").getString("uri");
    JsonObject contents = t.rpc("resources/read", new JsonObject().put("uri", memo)).json().getJsonObject("result");
    assertNotNull(contents, "resources/read failed");
    JsonObject first = contents.getJsonArray("contents").getJsonObject(0);
    assertEquals("first note, read through the broker", first.getString("text"));
    assertEquals(memo, first.getString("uri"));
    assertTrue(remote.calls.contains("resources/read memo://notes/1"));
    // Someone whose policy grants no remote reads nothing, and the remote never hears of it.
    int before = remote.calls.size();
    McpClient bob = McpClient.bearer(node.mcpUrl(), kit.bobKey);
    bob.initialize("2025-11-25");
    JsonObject refused = bob.rpc("resources/read", new JsonObject().put("uri", memo)).json().getJsonObject("error");
    assertTrue(refused.getString("message").startsWith("remote_not_allowed"), refused.encode());
    JsonObject other = t.rpc("resources/read", new JsonObject().put("uri", "ephyr://remote/nope/x")).json()
        .getJsonObject("error");
    assertTrue(other.getString("message").startsWith("unknown_remote"), other.encode());
    assertEquals(before, remote.calls.size());
  }

  @Test
  @Order(6)
  void theOfficialSdkClient_callsAFederatedTool() {
    URI uri = URI.create(node.mcpUrl());
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(uri.getScheme() + "://" + uri.getAuthority()).endpoint("/mcp")
        .httpRequestCustomizer((b, m, u, body, ctx) -> b.header("Authorization", "Bearer " + token)).build();
    try (McpSyncClient c = io.modelcontextprotocol.client.McpClient.sync(transport)
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      c.initialize();
      assertTrue(c.listTools().tools().stream().anyMatch(x -> x.name().equals("sdk__echo")));
      McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("sdk__echo", Map.of("text", "sdk")));
      assertEquals("echo: sdk", ((McpSchema.TextContent) r.content().get(0)).text());
    }
  }

  @Test
  @Order(7)
  void remoteGoingDown_isMarkedDown_andComesBackAfterRestart() throws Exception {
    McpClient t = task();
    JsonObject before = status(t);
    assertEquals("up", before.getString("status"));
    assertEquals(6, before.getInteger("tools_total"));
    assertEquals(5, before.getInteger("tools"));
    remote.close();
    assertEquals("remote_unreachable", t.toolError("sdk__echo", new JsonObject().put("text", "x")));
    JsonObject down = status(t);
    assertEquals("down", down.getString("status"));
    assertEquals("remote_unreachable", down.getJsonObject("last_error").getString("code"));
    // Same port, a fresh server process state: the broker's old session is unknown there.
    remote = SdkMcpServer.start(kit.dir, remotePort);
    Eventually.await(Duration.ofSeconds(40), "sdk back up", () -> "up".equals(status(t).getString("status")));
    JsonObject r = callResult(t, "sdk__echo", new JsonObject().put("text", "again"));
    assertEquals("echo: again", r.getJsonArray("content").getJsonObject(0).getString("text"));
    assertTrue(node.metrics().count("ephyr_federation_calls_total", "remote", "sdk", "outcome", "ok") >= 3);
  }

  @Test
  @Order(8)
  void policyReload_narrowsLiveTokensAtOnce() throws Exception {
    McpClient t = task();
    Path policy = kit.dir.resolve("policy.yaml");
    Files.writeString(policy, Files.readString(policy).replace("tools: [\"sdk.*\"]", "tools: [\"sdk__add\"]"));
    node.reloadPolicy().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    int before = remote.calls.size();
    assertEquals("tool_not_allowed", t.toolError("sdk__echo", new JsonObject().put("text", "x")));
    List<String> names = names(t);
    assertFalse(names.contains("sdk__echo"), names.toString());
    assertTrue(names.contains("sdk__add"), names.toString());
    assertEquals(before, remote.calls.size());
  }

  private static JsonObject status(McpClient t) {
    JsonArray remotes = t.ok("list_remotes", new JsonObject()).getJsonArray("remotes");
    assertEquals(1, remotes.size());
    return remotes.getJsonObject(0);
  }
}
