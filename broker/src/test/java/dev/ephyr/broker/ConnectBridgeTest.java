package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.Credential;
import dev.ephyr.client.ProofSigner;
import dev.ephyr.client.HolderKeyFile;
import dev.ephyr.client.TaskClient;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspector;
import dev.ephyr.testing.Eventually;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ephyr connect} driven by the official MCP Java SDK as a stdio client, against a three-node cluster
 * that demands DPoP nonces: the pending task is bound on the first call, every call carries a valid proof,
 * the bound token is useless as a bearer, a proof captured on the wire is refused elsewhere, losing the node
 * moves the bridge on without a refusal, a restart continues with the kept token, neither the bridge nor
 * the nodes ever write the token or the key, and a revoked, expired or too-late-to-bind token ends the bridge
 * with code 4 and what to do.
 */
class ConnectBridgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static TestKit kit;
  private static final List<Node> nodes = new ArrayList<>();
  private static Node a;
  private static Node b;
  private static Node c;
  private static TcpTap tap;
  private static PrintStream originalErr;
  private static long baseline;
  private static long closedWarnings;
  private static final ByteArrayOutputStream nodeLogs = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    originalErr = System.err;
    System.setErr(new PrintStream(new AdminApiTest.Tee(originalErr, nodeLogs), true, StandardCharsets.UTF_8));
    // BouncyCastle builds its Ed25519 tables on first use; do it here, not inside a node's first DPoP check.
    dev.ephyr.protocol.dpop.DpopProofBuilder.forKey(HolderKeyPair.generate(TestKit.RANDOM)).method("POST")
        .url("http://127.0.0.1/mcp").accessToken("warm-up").build();
    kit = new TestKit();
    tap = new TcpTap();
    int pa = TestKit.freePort();
    int pb = TestKit.freePort();
    int pc = TestKit.freePort();
    List<Integer> all = List.of(pa, pb, pc);
    // Node a is reached through the tap, so its public URL (the htu of proofs for it) is the tap's address.
    // One after another: three nodes starting at once in one JVM on a busy machine starve their event loops.
    nodes.add(TestKit.start(kit.config("a", pa, all).publicUrl("http://127.0.0.1:" + tap.port())
        .set("dpop.require-nonce", "true").build()));
    nodes.add(TestKit.start(kit.config("b", pb, all).set("dpop.require-nonce", "true").build()));
    nodes.add(TestKit.start(kit.config("c", pc, all).set("dpop.require-nonce", "true").build()));
    a = nodes.get(0);
    b = nodes.get(1);
    c = nodes.get(2);
    for (Node n : nodes) {
      TestKit.awaitReady(n);
    }
    tap.forwardTo(a.port());
    // Each node's first requests load classes and build caches, which on a busy machine can exceed the strict
    // blocked-thread limit; that is node start-up, not what this test is about. Warm every node with the same
    // kind of traffic, then hold the bridge's traffic to zero new warnings.
    HolderKeyPair warmKey = HolderKeyPair.generate(TestKit.RANDOM);
    for (Node n : nodes) {
      BrokerTransport t = BrokerTransport.create(List.of(n == a ? "http://127.0.0.1:" + tap.port() + "/mcp"
          : n.mcpUrl()), new ProofSigner(warmKey, TestKit.RANDOM), Duration.ofSeconds(3), Duration.ofSeconds(30), null);
      TaskClient warm = new TaskClient(t);
      TaskClient.Outcome made = warm.create(kit.bobKey, JSON.createObjectNode().put("description", "warm-up")
          .put("ttl", 60).put("bind_within", 60));
      String id = ((TaskClient.Outcome.Ok) made).value().path("task_id").asText();
      TaskClient.Outcome bound = warm.bind(((TaskClient.Outcome.Ok) made).value().path("token").asText());
      warm.call(Credential.proofToken(((TaskClient.Outcome.Ok) bound).value().path("token").asText()), "task_info",
          JSON.createObjectNode());
      warm.call(Credential.apiKey(kit.bobKey), "task_revoke", JSON.createObjectNode().put("task_id", id));
    }
    baseline = 0;
    for (Node n : nodes) {
      baseline += n.blockedThreadWarnings();
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (tap != null) {
        tap.close();
      }
      long blocked = 0;
      for (Node n : nodes) {
        blocked += n.blockedThreadWarnings();
      }
      blocked += closedWarnings;
      for (Node n : nodes) {
        TestKit.close(n);
      }
      assertEquals(baseline, blocked, "an event loop was blocked while the bridge was in use");
    } finally {
      System.setErr(originalErr);
    }
  }

  /** The bridge as an MCP client configuration would start it: a child JVM speaking MCP on stdio. */
  static StdioClientTransport bridge(Path keyFile, Path tokenFile, List<String> stderr, String... urls) {
    List<String> args = new ArrayList<>(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.ephyr.broker.cli.Main", "connect"));
    for (String u : urls) {
      args.add("--url");
      args.add(u);
    }
    args.addAll(List.of("--key-file", keyFile.toString(), "--token-file", tokenFile.toString()));
    ServerParameters params = ServerParameters.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString())
        .args(args).build();
    StdioClientTransport t = new StdioClientTransport(params, McpJsonDefaults.getMapper());
    t.setStdErrorHandler(stderr::add);
    return t;
  }

  static McpSyncClient client(StdioClientTransport t) {
    return McpClient.sync(t).requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(60))
        .build();
  }

  static JsonObject taskInfo(McpSyncClient client) {
    McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("task_info", Map.of()));
    assertFalse(Boolean.TRUE.equals(r.isError()), "task_info through the bridge: " + r.content());
    return new JsonObject(((McpSchema.TextContent) r.content().get(0)).text());
  }

  private static HttpResponse<String> post(String url, Map<String, String> headers, byte[] body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(r::header);
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void stdioClient_bindsOnFirstCall_signsEveryCall_failsOver_andContinuesAfterRestart() throws Exception {
    // A pending-bind root task, created through the client library with the agent's API key.
    TaskClient tasks = new TaskClient(BrokerTransport.create(List.of(b.mcpUrl()), null, Duration.ofSeconds(3),
        Duration.ofSeconds(30), null));
    ObjectNode args = JSON.createObjectNode().put("description", "bridge").put("ttl", 900).put("bind_within", 300);
    TaskClient.Outcome created = tasks.create(kit.aliceKey, args);
    assertTrue(created instanceof TaskClient.Outcome.Ok, "task_create: " + created);
    String pending = ((TaskClient.Outcome.Ok) created).value().path("token").asText();
    String task = ((TaskClient.Outcome.Ok) created).value().path("task_id").asText();
    assertTrue(TokenInspector.inspect(pending).actingTask().bindPending());

    Path dir = Files.createDirectories(kit.dir.resolve("connect"));
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, pending + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    Path keyFile = dir.resolve("holder.jwk");
    String tapUrl = "http://127.0.0.1:" + tap.port() + "/mcp";
    List<String> firstRun = new CopyOnWriteArrayList<>();

    String bound;
    HolderKeyPair key;
    StdioClientTransport t1 = bridge(keyFile, tokenFile, firstRun, tapUrl, b.mcpUrl(), c.mcpUrl());
    try (McpSyncClient client = client(t1)) {
      McpSchema.InitializeResult init = client.initialize();
      assertEquals("ephyr", init.serverInfo().name());

      // Bound on the first call, to the key the bridge created (0600), and the bound token kept beside it.
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
      key = HolderKeyFile.load(keyFile);
      Path state = dir.resolve("holder.jwk.bound-token");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
      bound = JSON.readTree(Files.readAllBytes(state)).path("token").asText();
      TaskHop acting = TokenInspector.inspect(bound).actingTask();
      assertEquals(task, acting.task());
      assertEquals(key.jkt(), acting.holder());
      assertTrue(firstRun.stream().anyMatch(l -> l.contains("bound task " + task)), "stderr: " + firstRun);

      // Every later call carries a fresh, valid proof: the nodes accept nothing else for a bound task.
      assertTrue(client.listTools().tools().stream().anyMatch(x -> x.name().equals("task_info")));
      for (int i = 0; i < 3; i++) {
        JsonObject info = taskInfo(client);
        assertEquals(task, info.getString("task_id"));
        assertEquals(key.jkt(), info.getString("holder_jkt", key.jkt()));
      }

      // The same token as a bearer, from anywhere else, is refused.
      byte[] call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"task_info\",\"arguments\":{}}}"
          .getBytes(StandardCharsets.UTF_8);
      Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream");
      HttpResponse<String> asBearer = post(c.mcpUrl(), with(json, "Authorization", "Bearer " + bound), call);
      assertEquals(401, asBearer.statusCode(), asBearer.body());
      assertEquals("pop_required", new JsonObject(asBearer.body()).getString("error"));

      // A proof captured on the wire between the bridge and node a is refused on another node, and on a itself.
      List<TcpTap.Captured> seen = tap.requests();
      TcpTap.Captured last = null;
      for (TcpTap.Captured r : seen) {
        if (r.header("DPoP") != null && r.method().equals("POST")) {
          last = r;
        }
      }
      assertNotNull(last, "the tap saw the bridge's proofs");
      // Each request on the wire: DPoP scheme, a proof with a new jti, htu of the node, ath of the token it
      // carries, bh of its body, and the node's nonce (the nodes demand one).
      java.util.Set<String> jtis = new java.util.HashSet<>();
      for (TcpTap.Captured r : seen) {
        if (!r.method().equals("POST")) {
          continue;
        }
        String auth = r.header("Authorization");
        if (auth.startsWith("Bearer ek_")) {
          continue; // the warm-up's agent API key, not the bridge
        }
        assertTrue(auth.startsWith("DPoP mac_"), "a task token went out without DPoP");
        JsonObject claims = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(
            r.header("DPoP").split("\\.")[1]), StandardCharsets.UTF_8));
        assertTrue(jtis.add(claims.getString("jti")), "a proof id was used twice");
        assertEquals(tapUrl, claims.getString("htu"));
        assertEquals(sha256(auth.substring(5).getBytes(StandardCharsets.UTF_8)), claims.getString("ath"));
        assertEquals(sha256(r.body()), claims.getString("bh"));
      }
      assertTrue(jtis.size() >= 5, "proofs seen: " + jtis.size());
      long withNonce = seen.stream().filter(r -> r.header("DPoP") != null)
          .filter(r -> r.header("Authorization").endsWith(bound)).filter(r -> new JsonObject(new String(
          java.util.Base64.getUrlDecoder().decode(r.header("DPoP").split("\\.")[1]), StandardCharsets.UTF_8))
          .containsKey("nonce")).count();
      assertTrue(withNonce >= 3, "after the first challenge the bridge's proofs carry the node's nonce: " + withNonce);
      assertTrue(last.header("Authorization").startsWith("DPoP "));
      Map<String, String> replay = with(with(json, "Authorization", last.header("Authorization")), "DPoP",
          last.header("DPoP"));
      HttpResponse<String> elsewhere = post(b.mcpUrl(), replay, last.body());
      assertEquals(401, elsewhere.statusCode(), elsewhere.body());
      String why = new JsonObject(elsewhere.body()).getString("error");
      assertTrue(why.equals("pop_url_mismatch") || why.equals("replayed"), why);
      HttpResponse<String> again = post(a.mcpUrl(), replay, last.body());
      assertEquals(401, again.statusCode(), again.body());

      // Node a goes away (and the path to it): the bridge moves to b with no refusal. A clean stop here, in this
      // JVM; ConnectKillTest does the same to a node in its own JVM with SIGKILL.
      tap.close();
      closedWarnings += a.blockedThreadWarnings();
      TestKit.close(a);
      nodes.remove(a);
      assertEquals(task, taskInfo(client).getString("task_id"));
      assertTrue(firstRun.stream().anyMatch(l -> l.contains("moved from " + tapUrl + " to " + b.mcpUrl())),
          "stderr: " + firstRun);
      assertEquals(task, taskInfo(client).getString("task_id"));
    }
    // "connection refused" is the dead node's socket; a refusal by a node would read "refused the request".
    assertTrue(firstRun.stream().noneMatch(l -> l.contains("refused the request") || l.contains("was refused")),
        "stderr: " + firstRun);

    // A restart with the same key continues with the kept bound token: no second bind.
    List<String> secondRun = new CopyOnWriteArrayList<>();
    try (McpSyncClient client = client(bridge(keyFile, tokenFile, secondRun, b.mcpUrl(), c.mcpUrl()))) {
      client.initialize();
      assertEquals(task, taskInfo(client).getString("task_id"));
    }
    assertTrue(secondRun.stream().anyMatch(l -> l.contains("continuing with its bound token")), "stderr: " + secondRun);
    assertTrue(secondRun.stream().noneMatch(l -> l.contains("bound task ")), "stderr: " + secondRun);

    // Neither the bridge's stderr, nor the nodes' logs, nor their audit trails hold the tokens or the key.
    String seed = JSON.readTree(Files.readAllBytes(keyFile)).path("d").asText();
    List<String> secrets = List.of(pending, bound, seed, tail(pending), tail(bound));
    String bridgeErr = String.join("\n", firstRun) + "\n" + String.join("\n", secondRun);
    String logs = nodeLogs.toString(StandardCharsets.UTF_8);
    String audit = auditText();
    assertTrue(audit.contains(task), "the audit trail records the task's calls");
    for (String s : secrets) {
      assertFalse(bridgeErr.contains(s), "the bridge wrote a secret to stderr");
      assertFalse(logs.contains(s), "a node logged a secret");
      assertFalse(audit.contains(s), "an audit trail holds a secret");
    }
  }

  @Test
  void listen_servesLoopbackHttpBehindItsBearer_andARevokedTaskEndsTheBridgeWithCode4() throws Exception {
    TaskClient tasks = new TaskClient(BrokerTransport.create(List.of(c.mcpUrl()), null, Duration.ofSeconds(3),
        Duration.ofSeconds(30), null));
    TaskClient.Outcome created = tasks.create(kit.aliceKey,
        JSON.createObjectNode().put("description", "listen").put("ttl", 900).put("bind_within", 300));
    assertTrue(created instanceof TaskClient.Outcome.Ok, "task_create: " + created);
    String task = ((TaskClient.Outcome.Ok) created).value().path("task_id").asText();
    Path dir = Files.createDirectories(kit.dir.resolve("listen"));
    Path stderr = dir.resolve(BRIDGE_ERR);
    Process p = rawBridge(dir, ((TaskClient.Outcome.Ok) created).value().path("token").asText(),
        "--url", b.mcpUrl(), "--url", c.mcpUrl(), "--listen", "127.0.0.1:0");
    try {
      java.io.BufferedReader out = new java.io.BufferedReader(
          new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String url = out.readLine();
      String bearer = out.readLine();
      assertTrue(url != null && url.startsWith("url http://127.0.0.1:"), url + " / " + Files.readString(stderr));
      assertTrue(bearer != null && bearer.startsWith("bearer eb_"), String.valueOf(bearer));
      URI u = URI.create(url.substring(4));
      String secret = bearer.substring(7);

      // Without the per-run bearer the loopback port is closed to other local users and web pages.
      byte[] ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
      assertEquals(401, post(u.toString(), Map.of("Content-Type", "application/json"), ping).statusCode());

      io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport http =
          io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport
              .builder(u.getScheme() + "://" + u.getAuthority()).endpoint("/mcp")
              .httpRequestCustomizer((builder, method, uri, body, ctx) -> builder.header("Authorization", "Bearer " + secret))
              .build();
      try (McpSyncClient client = McpClient.sync(http).requestTimeout(Duration.ofSeconds(60)).build()) {
        client.initialize();
        assertEquals(task, taskInfo(client).getString("task_id"));

        TaskClient.Outcome revoked = tasks.call(dev.ephyr.client.Credential.apiKey(kit.aliceKey), "task_revoke",
            JSON.createObjectNode().put("task_id", task));
        assertTrue(revoked instanceof TaskClient.Outcome.Ok, "task_revoke: " + revoked);
        try {
          McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("task_info", Map.of()));
          assertTrue(Boolean.TRUE.equals(r.isError()), "a revoked task's call succeeded: " + r.content());
        } catch (RuntimeException expected) {
          // the SDK surfaces the refusal (HTTP 401) as an exception
        }
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the bridge keeps running after its task was revoked");
      assertEquals(4, p.exitValue(), Files.readString(stderr));
      String err = Files.readString(stderr);
      assertTrue(err.contains("revoked") && err.contains("ask whoever delegated it for a new task token"), err);
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void bindDeadlinePassed_endsTheBridgeWithCode4_andSaysWhatToDo() throws Exception {
    TaskClient tasks = new TaskClient(BrokerTransport.create(List.of(c.mcpUrl()), null, Duration.ofSeconds(3),
        Duration.ofSeconds(30), null));
    TaskClient.Outcome created = tasks.create(kit.aliceKey,
        JSON.createObjectNode().put("description", "late").put("ttl", 900).put("bind_within", 1));
    assertTrue(created instanceof TaskClient.Outcome.Ok, "task_create: " + created);
    String pending = ((TaskClient.Outcome.Ok) created).value().path("token").asText();
    long bindBy = TokenInspector.inspect(pending).actingTask().bindBy();
    Eventually.await(Duration.ofSeconds(10), "the bind deadline passes",
        () -> System.currentTimeMillis() / 1000 > bindBy + 1);
    Path dir = Files.createDirectories(kit.dir.resolve("late"));
    Path stderr = dir.resolve(BRIDGE_ERR);
    Process p = rawBridge(dir, pending, "--url", c.mcpUrl());
    try {
      send(p, INITIALIZE_7);
      String answer = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8)).readLine();
      JsonObject error = new JsonObject(answer).getJsonObject("error");
      assertEquals(7, new JsonObject(answer).getInteger("id"), answer);
      assertEquals("bind_expired", error.getJsonObject("data").getString("reason"), answer);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the bridge keeps running after its bind deadline passed");
      assertEquals(4, p.exitValue(), Files.readString(stderr));
      String err = Files.readString(stderr);
      assertTrue(err.contains("bind_expired") && err.contains("longer bind_within"), err);
      assertFalse(err.contains(pending.substring(pending.length() - 40)), "stderr holds the token");
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void expiredToken_theCallIsRefusedWithWhatToDo_andTheBridgeEndsWithCode4() throws Exception {
    TaskClient tasks = new TaskClient(BrokerTransport.create(List.of(c.mcpUrl()), null, Duration.ofSeconds(3),
        Duration.ofSeconds(30), null));
    // Long enough for the bridge's JVM to start and bind, short enough to wait out without slowing the suite.
    TaskClient.Outcome created = tasks.create(kit.aliceKey,
        JSON.createObjectNode().put("description", "short").put("ttl", 8).put("bind_within", 8));
    assertTrue(created instanceof TaskClient.Outcome.Ok, "task_create: " + created);
    String pending = ((TaskClient.Outcome.Ok) created).value().path("token").asText();
    long expiresAt = TokenInspector.inspect(pending).envelope().expiresAt();
    Path dir = Files.createDirectories(kit.dir.resolve("short"));
    Path stderr = dir.resolve(BRIDGE_ERR);
    Process p = rawBridge(dir, pending, "--url", c.mcpUrl(), "--url", b.mcpUrl());
    try {
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      send(p, INITIALIZE_7);
      JsonObject init = new JsonObject(out.readLine());
      assertNotNull(init.getJsonObject("result"), "the first call (bind) before expiry: " + init.encode());
      String bound = JSON.readTree(Files.readAllBytes(dir.resolve("holder.jwk.bound-token"))).path("token").asText();

      // Wait on the clock, not for a fixed time: once the task's expiry has passed, the next call is refused.
      Eventually.await(Duration.ofSeconds(30), "the task's expiry passes",
          () -> System.currentTimeMillis() / 1000 > expiresAt);
      send(p, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{"
          + "\"name\":\"task_info\",\"arguments\":{}}}");
      String answer = out.readLine();
      JsonObject error = new JsonObject(answer).getJsonObject("error");
      assertEquals(8, new JsonObject(answer).getInteger("id"), answer);
      assertNotNull(error, answer);
      assertEquals("expired", error.getJsonObject("data").getString("reason"), answer);
      assertTrue(error.getString("message").contains("ask for a new task token"), answer);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the bridge keeps running after its task expired");
      assertEquals(4, p.exitValue(), Files.readString(stderr));
      String err = Files.readString(stderr);
      assertTrue(err.contains("expired") && err.contains("ask for a new task token"), err);
      assertFalse(err.contains(tail(pending)) || err.contains(tail(bound)), "stderr holds the token");
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static final String BRIDGE_ERR = "bridge.err";
  private static final String INITIALIZE_7 = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{"
      + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

  /**
   * {@code ephyr connect} as a raw child process with {@code token} in an owner-only token file and a holder key in
   * {@code dir}: its stdin and stdout are the MCP stdio, its stderr goes to {@code dir}/{@value #BRIDGE_ERR}.
   */
  private static Process rawBridge(Path dir, String token, String... args) throws IOException {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "dev.ephyr.broker.cli.Main", "connect",
        "--key-file", dir.resolve("holder.jwk").toString(), "--token-file", tokenFile.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(dir.resolve(BRIDGE_ERR).toFile()).start();
  }

  /** One JSON-RPC line to the bridge's stdin. */
  private static void send(Process p, String line) throws IOException {
    p.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().flush();
  }

  private static String sha256(byte[] b) throws Exception {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static String tail(String token) {
    return token.substring(token.length() - 40);
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> out = new java.util.HashMap<>(m);
    out.put(k, v);
    return out;
  }

  private static String auditText() throws IOException {
    StringBuilder s = new StringBuilder();
    try (Stream<Path> files = Files.walk(kit.dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p) && p.toString().contains("audit")) {
          s.append(Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    }
    return s.toString();
  }
}
