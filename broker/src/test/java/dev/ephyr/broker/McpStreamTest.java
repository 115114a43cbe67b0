package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.testing.Eventually;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long tool calls against a real OpenSSH sshd: a call with a {@code progressToken} from a client that accepts
 * {@code text/event-stream} is answered as an SSE stream with progress heartbeats at the node's default
 * interval ({@code mcp.progress-interval}, 10 s); {@code notifications/cancelled} and a client that leaves
 * kill the remote command (checked on the target); a cancel naming someone else's request does nothing. Also:
 * every tool's annotations. (A client that never reads is cut off: {@code mcp.CallStreamTest}.)
 */
final class McpStreamTest {
  /** The node's default heartbeat interval, which this test leaves as it is. */
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  /** What the issue asks of a heartbeat, whatever the interval: at least one every 15 s. */
  private static final Duration MAX_GAP = Duration.ofSeconds(15);

  private static TestKit kit;
  private static LoopbackSshd sshd;
  private static SignerServer signer;
  private static Path signerDir;
  private static Path pids;
  private static Node node;
  private static String url;
  private static long warmBlocked;

  @BeforeAll
  static void start() throws Exception {
    sshd = LoopbackSshd.prepare();
    kit = new TestKit();
    Files.writeString(kit.dir.resolve("policy.yaml"), String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    targets: \"*\"",
        "    roles: \"*\"",
        "    services: \"*\"",
        "    methods: [GET]",
        "    delegate: true",
        "roles:",
        "  ops: { principal: " + LoopbackSshd.USER + " }",
        "targets:",
        "  box: { host: 127.0.0.1, port: " + sshd.port + ", host_key: \"" + sshd.hostKey + "\", roles: [ops] }",
        "services:",
        "  web: { origin: \"http://127.0.0.1:9\", paths: [\"/**\"], allow_private: true }",
        ""));
    signerDir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-signer-");
    SignerLimits limits = new SignerLimits(Duration.ofMinutes(10), Set.of(LoopbackSshd.USER),
        SignerLimits.KNOWN_EXTENSIONS, SignerLimits.KNOWN_OPTIONS, 1000, 1000);
    signer = SignerServer.start(CaKeyFile.generate(new SecureRandom()), new SignerServer.Config(
        signerDir.resolve("s.sock"), limits, Set.of(System.getProperty("user.name")), null),
        new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
    int port = TestKit.freePort();
    node = TestKit.start(kit.config("a", port, List.of(port)).set("ssh.signer-socket", signer.socket().toString())
        .build());
    TestKit.awaitReady(node);
    url = TestKit.localMcp(node);
    Eventually.await(Duration.ofSeconds(20), "CA key published", () ->
        Http.get("http://127.0.0.1:" + node.port() + "/v1/ssh/ca", Map.of()).body().contains(signer.caPublicKey()));
    Files.writeString(sshd.caFile(), Http.get("http://127.0.0.1:" + node.port() + "/v1/ssh/ca", Map.of()).body());
    sshd.start();
    // The commands write their PIDs here (as the target's user), so the test can watch them on the target.
    pids = Files.createTempDirectory(Path.of("/tmp"), "ephyr-pids-");
    Files.setPosixFilePermissions(pids, PosixFilePermissions.fromString("rwxrwxrwx"));
    // Warm-up: loading the HTTP, JSON, SSH and metrics classes may hold a loop on a loaded machine; every path
    // the tests take runs once first, and loops are checked after it.
    String warm = task().getString("token");
    McpClient.bearer(url, warm).ok("exec", new JsonObject().put("target", "box").put("command", "true"));
    McpClient.bearer(url, warm).rpc("tools/list", null);
    try (SseCall call = SseCall.post(url, warm, streamedExec(1, "true", 10))) {
      for (SseCall.Received r = call.next(Duration.ofSeconds(30)); r != null && r.message().getValue("id") == null;
          r = call.next(Duration.ofSeconds(30))) {
        // progress; the response ends the warm-up (so does an answer that is not a stream)
      }
    }
    cancel(warm, 1);
    deniedCancels();
    warmBlocked = node.blockedThreadWarnings();
  }

  @AfterAll
  static void stop() throws Exception {
    long blocked = node == null ? 0 : node.blockedThreadWarnings() - warmBlocked;
    try {
      TestKit.close(node);
    } finally {
      if (signer != null) {
        signer.close();
      }
      if (sshd != null) {
        sshd.close();
      }
      for (Path dir : new Path[] {signerDir, pids}) {
        if (dir != null) {
          try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(p);
            }
          }
        }
      }
    }
    assertEquals(0, blocked, "an event loop was blocked");
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** A root task of alice on box/ops and service web; {token, task_id}. */
  private static JsonObject task() {
    return McpClient.bearer(url, kit.aliceKey).ok("task_create", new JsonObject().put("envelope", new JsonObject()
        .put("targets", new JsonArray().add("box")).put("roles", new JsonArray().add("ops"))
        .put("services", new JsonArray().add("web"))));
  }

  /** A {@code tools/call} of exec with a progressToken. */
  private static JsonObject streamedExec(int id, String command, int timeoutSeconds) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call")
        .put("params", new JsonObject().put("name", "exec")
            .put("arguments", new JsonObject().put("target", "box").put("command", command)
                .put("timeout_seconds", timeoutSeconds))
            .put("_meta", new JsonObject().put("progressToken", "p-" + id)));
  }

  private static Http.Response cancel(String token, Object requestId) {
    McpClient c = McpClient.bearer(url, token);
    return c.raw(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/cancelled")
        .put("params", new JsonObject().put("requestId", requestId).put("reason", "test")).encode());
  }

  /** A command that writes its PID to a file and then waits for 5 minutes (the same process, by exec). */
  private static String pidThenSleep(Path pidFile) {
    return "echo $$ > " + pidFile + "; exec sleep 300";
  }

  private static long awaitPid(Path pidFile) {
    Eventually.await(Duration.ofSeconds(30), "the command wrote its PID", () ->
        Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      assertTrue(alive(pid), "the command runs on the target");
      return pid;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Whether process {@code pid} runs on the target (sshd is on this machine; a zombie counts as gone). */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Messages of {@code call} until the response with {@code id}, each within {@code wait} of the previous. */
  private static List<SseCall.Received> readUntilResponse(SseCall call, Object id, Duration wait) throws Exception {
    List<SseCall.Received> all = new ArrayList<>();
    while (true) {
      SseCall.Received r = call.next(wait);
      assertNotNull(r, "nothing for " + wait.toSeconds() + " s after " + all.size() + " messages: a client "
          + "with that request timeout would have given up");
      all.add(r);
      if (id.equals(r.message().getValue("id"))) {
        return all;
      }
    }
  }

  private static List<SseCall.Received> progress(List<SseCall.Received> all) {
    return all.stream().filter(r -> "notifications/progress".equals(r.message().getString("method"))).toList();
  }

  // ------------------------------------------------------------------------------------------ tests

  /**
   * 90 s, longer than the 60 s request timeout of the common SDK clients. Read as a client does that restarts
   * its 60 s timeout on every progress notification (the TypeScript SDK's resetTimeoutOnProgress; the Java SDK
   * 2.1.0 cannot: its timeout is fixed per request, see sdk_seesProgress_andTheStreamedResult).
   */
  @Test
  void exec_ninetySeconds_streamsProgressAtTheConfiguredInterval_andAnswers() throws Exception {
    String token = task().getString("token");
    long start = System.nanoTime();
    try (SseCall call = SseCall.post(url, token, streamedExec(90, "sleep 90; echo done", 120))) {
      assertEquals(200, call.response.statusCode());
      assertEquals("text/event-stream", call.response.headers().firstValue("Content-Type").orElse(""));
      List<SseCall.Received> all = readUntilResponse(call, 90, Duration.ofSeconds(60));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.compareTo(Duration.ofSeconds(90)) >= 0, "the command ran its 90 s: " + took);

      JsonObject out = all.get(all.size() - 1).message().getJsonObject("result").getJsonObject("structuredContent");
      assertEquals("done\n", out.getString("stdout"), out.encode());
      assertEquals(0, out.getInteger("exit_status"));
      assertFalse(out.getBoolean("timed_out"));

      List<SseCall.Received> beats = progress(all);
      double last = -1;
      for (SseCall.Received b : beats) {
        JsonObject p = b.message().getJsonObject("params");
        assertEquals("p-90", p.getValue("progressToken"));
        assertTrue(p.getDouble("progress") > last, "progress only grows: " + p.encode());
        last = p.getDouble("progress");
      }
      // The first beat says the call started; then one per interval until the answer.
      assertEquals(0, beats.get(0).message().getJsonObject("params").getInteger("progress"));
      List<Long> gaps = new ArrayList<>();
      for (int i = 1; i < all.size(); i++) {
        gaps.add(Duration.ofNanos(all.get(i).nanos() - all.get(i - 1).nanos()).toMillis());
      }
      System.out.println("90 s exec: " + beats.size() + " progress notifications, gaps between messages (ms): "
          + gaps);
      for (int i = 0; i < gaps.size(); i++) {
        assertTrue(gaps.get(i) <= MAX_GAP.toMillis(), "gap " + i + " of " + gaps + " ms is over " + MAX_GAP);
      }
      // Between heartbeats (not the last one before the answer) the gap is the interval, not a flood.
      for (int i = 1; i < beats.size(); i++) {
        long gap = Duration.ofNanos(beats.get(i).nanos() - beats.get(i - 1).nanos()).toMillis();
        assertTrue(gap >= INTERVAL.toMillis() / 2, "heartbeats " + (i - 1) + "→" + i + " only " + gap + " ms apart");
      }
      assertTrue(beats.size() >= 1 + took.toSeconds() / MAX_GAP.toSeconds(), beats.size() + " beats in " + took);
    }
  }

  @Test
  void cancel_killsTheRemoteCommand() throws Exception {
    String token = task().getString("token");
    Path pidFile = pids.resolve("cancel.pid");
    try (SseCall call = SseCall.post(url, token, streamedExec(21, pidThenSleep(pidFile), 600))) {
      long pid = awaitPid(pidFile);
      Http.Response r = cancel(token, 21);
      assertEquals(202, r.status(), r.toString());
      Eventually.await(Duration.ofSeconds(20), "the command is gone on the target", () -> !alive(pid));
      List<SseCall.Received> all = readUntilResponse(call, 21, Duration.ofSeconds(30));
      JsonObject out = all.get(all.size() - 1).message().getJsonObject("result").getJsonObject("structuredContent");
      assertTrue(out.getBoolean("cancelled"), out.encode());
      assertEquals(null, out.getValue("exit_status"));
    }
  }

  /** A timeout kills the command on the target too (closing the channel alone leaves it running there). */
  @Test
  void aTimeout_killsTheRemoteCommand() throws Exception {
    String token = task().getString("token");
    Path pidFile = pids.resolve("timeout.pid");
    JsonObject out = McpClient.bearer(url, token).ok("exec", new JsonObject().put("target", "box")
        .put("command", pidThenSleep(pidFile)).put("timeout_seconds", 2));
    assertTrue(out.getBoolean("timed_out"), out.encode());
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    Eventually.await(Duration.ofSeconds(20), "the timed-out command is gone on the target", () -> !alive(pid));
  }

  @Test
  void cancel_ofSomeoneElsesRequest_doesNothing_andIsAudited() throws Exception {
    String owner = task().getString("token");
    String other = task().getString("token");
    Path pidFile = pids.resolve("others.pid");
    try (SseCall call = SseCall.post(url, owner, streamedExec(31, pidThenSleep(pidFile), 600))) {
      long pid = awaitPid(pidFile);
      double before = deniedCancels();
      assertEquals(202, cancel(other, 31).status());
      assertEquals(before + 1, deniedCancels(), "the refused cancel is counted (and audited) as not_your_request");
      // The call lives on: the next heartbeat comes, and the command still runs.
      SseCall.Received next;
      do {
        next = call.next(MAX_GAP);
        assertNotNull(next, "the stream went quiet after someone else's cancel");
      } while (next.message().getValue("id") != null);
      assertTrue(alive(pid), "someone else's cancel killed the command");
      // The owner's own cancel works.
      assertEquals(202, cancel(owner, 31).status());
      Eventually.await(Duration.ofSeconds(20), "the command is gone on the target", () -> !alive(pid));
    }
  }

  private static double deniedCancels() {
    String metrics = Http.get("http://127.0.0.1:" + node.port() + "/metrics", Map.of()).body();
    for (String line : metrics.lines().toList()) {
      if (line.startsWith("ephyr_requests_total{") && line.contains("code=\"not_your_request\"")
          && line.contains("endpoint=\"mcp\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  @Test
  void aClientThatGoesAway_cancelsTheCommand() throws Exception {
    String token = task().getString("token");
    Path pidFile = pids.resolve("gone.pid");
    long pid;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.port()));
      post(s, token, streamedExec(41, pidThenSleep(pidFile), 600));
      pid = awaitPid(pidFile);
    } // the client closes its connection
    Eventually.await(Duration.ofSeconds(20), "the command is gone on the target", () -> !alive(pid));
  }

  private static void post(Socket s, String token, JsonObject message) throws Exception {
    byte[] body = message.encode().getBytes(StandardCharsets.UTF_8);
    String head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + node.port() + "\r\nContent-Type: application/json\r\n"
        + "Accept: application/json, text/event-stream\r\nAuthorization: Bearer " + token + "\r\n"
        + "MCP-Protocol-Version: 2025-11-25\r\nContent-Length: " + body.length + "\r\n\r\n";
    OutputStream out = s.getOutputStream();
    out.write(head.getBytes(StandardCharsets.UTF_8));
    out.write(body);
    out.flush();
  }

  /**
   * The official Java SDK reads the streamed answer and hands the progress to its progress consumer. (Its
   * request timeout, 2.1.0 as 2.2.0, is a fixed {@code Mono.timeout} per request that progress does not reset,
   * so the 90 s call above is read with raw HTTP.)
   */
  @Test
  void sdk_seesProgress_andTheStreamedResult() {
    String token = task().getString("token");
    List<McpSchema.ProgressNotification> seen = new CopyOnWriteArrayList<>();
    URI uri = URI.create(url);
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder(uri.getScheme() + "://" + uri.getAuthority()).endpoint("/mcp")
        .httpRequestCustomizer((builder, method, u, body, ctx) -> builder.header("Authorization", "Bearer " + token))
        .build();
    try (McpSyncClient client = io.modelcontextprotocol.client.McpClient.sync(transport)
        .requestTimeout(Duration.ofSeconds(30))
        .progressConsumer(seen::add).build()) {
      client.initialize();
      McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("exec",
          Map.of("target", "box", "command", "sleep 1; echo hi", "timeout_seconds", 30),
          Map.of("progressToken", "sdk-1")));
      assertFalse(Boolean.TRUE.equals(r.isError()), String.valueOf(r));
      assertTrue(String.valueOf(r.structuredContent()).contains("hi"), String.valueOf(r.structuredContent()));
      assertFalse(seen.isEmpty(), "no progress reached the SDK's consumer");
      assertEquals("sdk-1", seen.get(0).progressToken());
    }
  }

  @Test
  void anInlineCall_isBoundedByTheRequestTimeout_andSaysHowToStream() {
    McpClient c = McpClient.bearer(url, task().getString("token"));
    Http.Response r = c.call("exec", new JsonObject().put("target", "box").put("command", "true")
        .put("timeout_seconds", 600));
    JsonObject error = r.json().getJsonObject("error");
    assertNotNull(error, r.toString());
    assertTrue(error.getString("message").contains("progressToken"), error.encode());
  }

  // ------------------------------------------------------------------------------------------ annotations

  @Test
  void everyListedTool_carriesTruthfulAnnotations() {
    List<JsonObject> tools = new ArrayList<>();
    for (String credential : List.of(kit.aliceKey, task().getString("token"))) {
      McpClient.bearer(url, credential).rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools")
          .forEach(t -> tools.add((JsonObject) t));
    }
    Map<String, JsonObject> byName = new java.util.HashMap<>();
    for (JsonObject t : tools) {
      JsonObject a = t.getJsonObject("annotations");
      assertNotNull(a, "no annotations on " + t.getString("name"));
      for (String hint : List.of("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")) {
        assertTrue(a.getValue(hint) instanceof Boolean, hint + " of " + t.getString("name") + ": " + a.encode());
      }
      assertTrue(a.getString("title") != null && a.getString("title").equals(t.getString("title")), t.encode());
      byName.put(t.getString("name"), a);
    }
    assertTrue(byName.keySet().containsAll(Set.of("task_create", "task_revoke", "exec", "list_targets",
        "session_close", "http_request", "list_services")), byName.keySet().toString());
    // Reading tools are read-only and stay inside the broker; exec and http_request can do anything outside it.
    for (String reader : List.of("task_info", "task_list", "list_targets", "list_sessions", "list_certs",
        "list_services")) {
      assertEquals(true, byName.get(reader).getBoolean("readOnlyHint"), reader);
      assertEquals(false, byName.get(reader).getBoolean("openWorldHint"), reader);
    }
    for (String doer : List.of("exec", "http_request")) {
      JsonObject a = byName.get(doer);
      assertEquals(List.of(false, true, false, true), List.of(a.getBoolean("readOnlyHint"),
          a.getBoolean("destructiveHint"), a.getBoolean("idempotentHint"), a.getBoolean("openWorldHint")), doer);
    }
    JsonObject revoke = byName.get("task_revoke");
    assertEquals(List.of(false, true, true, false), List.of(revoke.getBoolean("readOnlyHint"),
        revoke.getBoolean("destructiveHint"), revoke.getBoolean("idempotentHint"), revoke.getBoolean("openWorldHint")));
    JsonObject create = byName.get("task_create");
    assertEquals(false, create.getBoolean("readOnlyHint"));
    assertEquals(false, create.getBoolean("destructiveHint"));
  }
}
