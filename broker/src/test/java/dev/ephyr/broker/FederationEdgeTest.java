package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Federation at its edges, against a hand-written server: pagination with JSON and event-stream pages,
 * unusable tool entries dropped, a looping cursor, oversize and malformed answers, an answer that never
 * comes, forgotten sessions, header credential injection, a remote reflecting the credential in every
 * spelling (and compressed), and remotes that must never be contacted (a redirect's target, a name resolving
 * to loopback, a metadata address).
 */
class FederationEdgeTest {
  private static final String SECRET = "edge-key-" + ApiKeys.generate(TestKit.RANDOM).substring(3, 19);
  /** With characters every encoding changes, so each spelling differs from the raw one. */
  private static final String ECHO_SECRET = "fed/s3cr+t=" + java.util.HexFormat.of().formatHex(
      TestKit.RANDOM.generateSeed(10));
  private static TestKit kit;
  private static Node node;
  private static EdgeMcpServer edge;
  private static McpClient alice;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    edge = new EdgeMcpServer();
    Path secret = kit.dir.resolve("edge.key");
    Files.writeString(secret, SECRET);
    Path echoSecret = kit.dir.resolve("echo.key");
    Files.writeString(echoSecret, ECHO_SECRET);
    Files.writeString(kit.dir.resolve("policy.yaml"), String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    remotes: \"*\"",
        "    tools: \"*\"",
        "remotes:",
        "  edge:",
        "    url: " + edge.url("/mcp"),
        "    auth: { type: header, name: X-Api-Key, secret_file: " + secret + " }",
        "    allow_private: true",
        "    timeout: 1s",
        "    refresh: 10s",
        "    max_response_bytes: 64KiB",
        "  loopy: { url: \"" + edge.url("/loop") + "\", allow_private: true }",
        "  held: { url: \"" + edge.url("/held") + "\", allow_private: true, timeout: 30s, refresh: 1h }",
        "  basic:",
        "    url: " + edge.url("/basic"),
        "    auth: { type: basic, username: broker, secret_file: " + secret + " }",
        "    allow_private: true",
        "  query:",
        "    url: " + edge.url("/query"),
        "    auth: { type: query, name: key, secret_file: " + secret + " }",
        "    allow_private: true",
        "  echo:",
        "    url: " + edge.url("/echo"),
        "    auth: { type: header, name: X-Api-Key, secret_file: " + echoSecret + " }",
        "    allow_private: true",
        "  names: { url: \"" + edge.url("/names") + "\", allow_private: true }",
        "  redir: { url: \"" + edge.url("/redirect") + "\", allow_private: true }",
        "  named: { url: \"http://localhost:" + edge.port() + "/named\" }",
        "  meta: { url: \"http://169.254.169.254/mcp\", allow_private: true }",
        "  untrusted: { url: \"" + edge.tlsUrl() + "\", allow_private: true }",
        ""));
    node = kit.startSolo("edge");
    alice = McpClient.bearer(node.mcpUrl(), kit.aliceKey);
    alice.initialize("2025-11-25");
    Eventually.await(Duration.ofSeconds(30), "every remote tried", () -> {
      JsonObject s = status();
      return "up".equals(s.getJsonObject("edge").getString("status"))
          && "up".equals(s.getJsonObject("loopy").getString("status"))
          && "up".equals(s.getJsonObject("held").getString("status"))
          && "up".equals(s.getJsonObject("basic").getString("status"))
          && "up".equals(s.getJsonObject("query").getString("status"))
          && "up".equals(s.getJsonObject("echo").getString("status"))
          && "up".equals(s.getJsonObject("names").getString("status"))
          && s.getJsonObject("redir").containsKey("last_error") && s.getJsonObject("named").containsKey("last_error")
          && s.getJsonObject("meta").containsKey("last_error")
          && s.getJsonObject("untrusted").containsKey("last_error");
    });
  }

  @AfterAll
  static void stop() throws Exception {
    long blocked = node == null ? 0 : node.blockedThreadWarnings();
    TestKit.close(node);
    if (edge != null) {
      edge.close();
    }
    assertEquals(0, blocked, "an event loop was blocked");
  }

  private static JsonObject status() {
    JsonObject byName = new JsonObject();
    alice.ok("list_remotes", new JsonObject()).getJsonArray("remotes")
        .forEach(o -> byName.put(((JsonObject) o).getString("name"), o));
    return byName;
  }

  private static List<String> names() {
    JsonArray tools = alice.rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools");
    List<String> out = new ArrayList<>();
    tools.forEach(t -> out.add(((JsonObject) t).getString("name")));
    return out;
  }

  @Test
  void pagination_acrossJsonAndEventStreamPages_dropsUnusableEntries() {
    List<String> names = names();
    for (int i = 0; i < EdgeMcpServer.PAGES * EdgeMcpServer.PER_PAGE; i++) {
      assertTrue(names.contains("edge__t" + i), "edge__t" + i + " missing from " + names);
    }
    assertFalse(names.contains("edge__bad name"));
    assertFalse(names.contains("edge__noschema"));
    assertFalse(names.contains("edge__arrayschema"));
    JsonObject s = status().getJsonObject("edge");
    assertEquals(20, s.getInteger("tools_total"));
    assertEquals(4, s.getInteger("tools_dropped"));
    assertFalse(s.getBoolean("tools_truncated"));
    assertEquals("2025-06-18", s.getString("protocol_version"));
  }

  @Test
  void loopingCursor_stopsWithATruncatedList() {
    JsonObject s = status().getJsonObject("loopy");
    assertEquals("up", s.getString("status"));
    assertEquals(1, s.getInteger("tools_total"));
    assertTrue(s.getBoolean("tools_truncated"));
  }

  @Test
  void redirect_isRefused_andItsTargetNeverContacted() {
    JsonObject s = status().getJsonObject("redir");
    assertEquals("down", s.getString("status"));
    assertEquals("remote_redirect_refused", s.getJsonObject("last_error").getString("code"));
    assertEquals(0, edge.redirectTargetHits.get());
    // Failed discoveries are retried on a backoff schedule, never in a tight loop.
    assertTrue(s.getInteger("consecutive_failures") >= 1, s.encode());
    assertNotNull(s.getString("next_refresh"), s.encode());
    assertTrue(node.metrics().count("ephyr_federation_refresh_total", "remote", "redir", "outcome",
        "remote_redirect_refused") >= 1);
  }

  @Test
  void loopbackAndMetadataAddresses_areRefusedBeforeConnecting() {
    JsonObject named = status().getJsonObject("named");
    assertEquals("remote_address_refused", named.getJsonObject("last_error").getString("code"));
    assertTrue(named.getJsonObject("last_error").getString("message").contains("loopback"));
    assertEquals(0, edge.loopbackNameHits.get());
    JsonObject meta = status().getJsonObject("meta");
    assertEquals("remote_address_refused", meta.getJsonObject("last_error").getString("code"));
    assertTrue(meta.getJsonObject("last_error").getString("message").contains("metadata"), meta.encode());
  }

  @Test
  void httpsRemoteWithAnUntrustedCertificate_isNeverSentARequest() {
    JsonObject s = status().getJsonObject("untrusted");
    assertEquals("down", s.getString("status"));
    assertEquals("remote_unreachable", s.getJsonObject("last_error").getString("code"), s.encode());
    assertEquals(0, edge.tlsHits.get());
  }

  @Test
  void answers_jsonAndSplitEventStream_areReturned() {
    assertEquals("t0 ok", text(alice.call("edge__t0", new JsonObject())));
    assertEquals("t1 ok", text(alice.call("edge__t1", new JsonObject())));
    assertTrue(edge.apiKeys.stream().allMatch(SECRET::equals), "header credential on every request");
  }

  @Test
  void basicAndQueryCredentials_arriveAsConfigured() {
    assertEquals("t0 ok", text(alice.call("basic.t0", new JsonObject())));
    assertEquals("t0 ok", text(alice.call("query__t0", new JsonObject())));
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("broker:" + SECRET)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertFalse(edge.basicAuth.isEmpty());
    assertTrue(edge.basicAuth.stream().allMatch(basic::equals), edge.basicAuth.toString());
    assertFalse(edge.queryKeys.isEmpty());
    assertTrue(edge.queryKeys.stream().allMatch(SECRET::equals), edge.queryKeys.toString());
  }

  @Test
  void oversizeMalformedSlowAndErrorAnswers_becomeClearToolErrors() {
    assertEquals("remote_response_too_large", alice.toolError("edge__big", new JsonObject()));
    assertEquals("remote_response_too_large", alice.toolError("edge__bigsse", new JsonObject()));
    assertEquals("remote_bad_response", alice.toolError("edge__notjson", new JsonObject()));
    assertEquals("remote_timeout", alice.toolError("edge__slow", new JsonObject()));
    assertEquals("remote_error", alice.toolError("edge__errors", new JsonObject()));
  }

  @Test
  void aTaskRevokedWhileItsCallSetsUpASession_sendsNothing() throws Exception {
    JsonObject t = alice.ok("task_create", new JsonObject().put("ttl", 300));
    // The remote forgot the broker's session: the call opens a new one first, and the remote holds that.
    edge.sessions.remove(edge.sessionOfPath.get("/held"));
    java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
    edge.initializeHeld = new java.util.concurrent.CountDownLatch(1);
    edge.holdInitialize.set(release);
    long before = edge.calls.stream().filter("t9"::equals).count();
    try {
      java.util.concurrent.CompletableFuture<String> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> McpClient.bearer(node.mcpUrl(), t.getString("token")).toolError("held.t9", new JsonObject()));
      assertTrue(edge.initializeHeld.await(60, java.util.concurrent.TimeUnit.SECONDS), "no session was set up");
      JsonObject revoke = alice.ok("task_revoke", new JsonObject().put("task_id", t.getString("task_id")));
      assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
      release.complete(null);
      assertEquals("revoked", inFlight.get(60, java.util.concurrent.TimeUnit.SECONDS));
    } finally {
      edge.holdInitialize.set(null);
      release.complete(null);
    }
    assertEquals(before, edge.calls.stream().filter("t9"::equals).count(),
        "a call of a task revoked while it waited reached the remote");
  }

  @Test
  void aRemoteReflectingTheCredential_inAnySpellingOrEncoding_neverShowsItToTheAgent() {
    for (String tool : List.of("echo__reflect", "echo__reflect_sse")) {
      Http.Response r = alice.call(tool, new JsonObject());
      assertEquals(200, r.status(), r.toString());
      assertEquals(null, Leaks.found(r.body(), ECHO_SECRET), tool + " leaked: " + r.body());
      JsonObject result = r.json().getJsonObject("result");
      assertFalse(result.getBoolean("isError"), r.toString());
      String text = result.getJsonArray("content").getJsonObject(0).getString("text");
      assertEquals(null, Leaks.found(text, ECHO_SECRET), tool + " leaked in the decoded text: " + text);
      for (String line : text.split("\n")) {
        assertTrue(line.contains("[redacted]"), tool + ": not redacted: " + line);
      }
      String structured = result.getJsonObject("structuredContent").encode();
      assertEquals(null, Leaks.found(structured, ECHO_SECRET), structured);
    }
    // Compressed although asked for plain bytes: refused, nothing of it shown.
    Http.Response gz = alice.call("echo__reflect_gzip", new JsonObject());
    assertEquals("remote_bad_response", alice.toolError("echo__reflect_gzip", new JsonObject()));
    assertTrue(gz.body().contains("Content-Encoding"), gz.toString());
    assertEquals(null, Leaks.found(gz.body(), ECHO_SECRET));
  }

  @Test
  void forgottenSession_isRenewedTransparently() {
    edge.sessions.clear();
    assertEquals("t2 ok", text(alice.call("edge__t2", new JsonObject())));
  }

  @Test
  void oversizeArguments_neverLeaveTheBroker() {
    int before = edge.calls.size();
    Http.Response r = alice.call("edge__t3", new JsonObject().put("blob", "z".repeat(300_000)));
    assertNotNull(r.json().getJsonObject("error"), r.toString());
    assertEquals(-32602, r.json().getJsonObject("error").getInteger("code"));
    assertFalse(edge.calls.subList(before, edge.calls.size()).contains("t3"));
  }

  @Test
  void federatedNames_areWhatClientsAccept_shortenedStably_andSayWhatTheyStandFor() {
    List<String> names = names();
    for (String n : names) {
      assertTrue(n.matches("[a-zA-Z0-9_-]{1,64}"), "not a name clients accept: " + n);
    }
    assertTrue(names.containsAll(List.of("names__list_repos", "names__delete_repo")), names.toString());
    // Fixed spellings: the same on every node and after every restart (a hash of "remote.tool").
    String longName = "names__very_long_tool_name_very_long_tool_name_very_l-e79df1a0e2";
    String dotted = "names__get_file-" + sha("names.get.file");
    assertEquals(longName.substring(0, 53) + "-" + sha("names." + EdgeMcpServer.LONG_TOOL), longName);
    assertTrue(names.contains(longName), names.toString());
    assertTrue(names.contains(dotted), names.toString());
    JsonObject descriptor = descriptor(longName);
    assertTrue(descriptor.getString("description").contains("is tool '" + EdgeMcpServer.LONG_TOOL
        + "' of remote 'names'"), descriptor.encode());
    assertEquals(EdgeMcpServer.LONG_TOOL + " ok", text(alice.call(longName, new JsonObject())));
    assertEquals("get.file ok", text(alice.call(dotted, new JsonObject())));
    assertEquals("list_repos ok", text(alice.call("names__list_repos", new JsonObject())));
  }

  @Test
  void oldDottedNames_stillWork_asAliasesOfTheSameTool() {
    assertEquals("list_repos ok", text(alice.call("names.list_repos", new JsonObject())));
    assertEquals("get.file ok", text(alice.call("names.get.file", new JsonObject())));
    assertEquals("unknown_tool", alice.toolError("names.nope", new JsonObject()));
    assertEquals("unknown_tool", alice.toolError("names__nope", new JsonObject()));
  }

  @Test
  void twoRemoteToolsUnderOneName_areBothRefused_underEverySpelling() {
    String clash = "names__" + EdgeMcpServer.CLASH_PLAIN;
    assertFalse(names().contains(clash), "a name that stands for two tools is not listed");
    int before = edge.calls.size();
    assertEquals("tool_name_collision", alice.toolError(clash, new JsonObject()));
    assertEquals("tool_name_collision", alice.toolError("names." + EdgeMcpServer.CLASH_DOTTED, new JsonObject()));
    assertEquals("tool_name_collision", alice.toolError("names." + EdgeMcpServer.CLASH_PLAIN, new JsonObject()));
    assertEquals(before, edge.calls.size(), "nothing was sent to the remote");
  }

  @Test
  void toolsCaveat_onNewNames_grantsExactlyThoseTools_whicheverSpellingIsCalled() {
    McpClient t = task("names__list_repos");
    assertEquals("list_repos ok", text(t.call("names__list_repos", new JsonObject())));
    assertEquals("list_repos ok", text(t.call("names.list_repos", new JsonObject())));
    int before = edge.calls.size();
    assertEquals("tool_not_allowed", t.toolError("names__delete_repo", new JsonObject()));
    assertEquals("tool_not_allowed", t.toolError("names.delete_repo", new JsonObject()), "the alias is no way round");
    assertEquals("tool_not_allowed", t.toolError("names__" + EdgeMcpServer.CLASH_PLAIN.replace("-", "_"),
        new JsonObject()));
    assertEquals(before, edge.calls.size(), "nothing refused was sent to the remote");
    List<String> visible = names(t);
    assertTrue(visible.contains("names__list_repos"), visible.toString());
    assertFalse(visible.contains("names__delete_repo"), visible.toString());

    // The old spelling keeps its meaning: the remote's own names, globbed.
    McpClient old = task("names.list_*");
    assertEquals("list_repos ok", text(old.call("names__list_repos", new JsonObject())));
    assertEquals("tool_not_allowed", old.toolError("names__delete_repo", new JsonObject()));
    // A shortened name may be granted as listed; that grants that one tool.
    String dotted = "names__get_file-" + sha("names.get.file");
    McpClient listed = task(dotted);
    assertEquals("get.file ok", text(listed.call("names.get.file", new JsonObject())));
    assertEquals("tool_not_allowed", listed.toolError("names__list_repos", new JsonObject()));
  }

  private static McpClient task(String tools) {
    String token = alice.ok("task_create", new JsonObject().put("ttl", 600).put("envelope", new JsonObject()
        .put("remotes", new JsonArray().add("names")).put("tools", new JsonArray().add(tools)))).getString("token");
    McpClient c = McpClient.bearer(node.mcpUrl(), token);
    c.initialize("2025-11-25");
    return c;
  }

  private static List<String> names(McpClient c) {
    List<String> out = new ArrayList<>();
    c.rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools")
        .forEach(t -> out.add(((JsonObject) t).getString("name")));
    return out;
  }

  private static JsonObject descriptor(String name) {
    return alice.rpc("tools/list", new JsonObject()).json().getJsonObject("result").getJsonArray("tools").stream()
        .map(JsonObject.class::cast).filter(t -> t.getString("name").equals(name)).findFirst().orElseThrow();
  }

  private static String sha(String s) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(Http.Response r) {
    assertEquals(200, r.status(), r.toString());
    JsonObject result = r.json().getJsonObject("result");
    assertFalse(result.getBoolean("isError"), r.toString());
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }
}
