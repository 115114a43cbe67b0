package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.testing.Eventually;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SSH end to end against a real OpenSSH sshd on loopback that trusts the CA keys the cluster publishes at
 * {@code /v1/ssh/ca}: two nodes in one JVM, each with its own signer (on its own socket) and CA key.
 */
final class SshTest {
  private static TestKit kit;
  private static LoopbackSshd sshd;
  private static SignerServer signerA;
  private static SignerServer signerB;
  private static final ByteArrayOutputStream SIGNER_LOG = new ByteArrayOutputStream();
  private static Path signerDir;
  private static String policyText;
  private static Node a;
  private static Node b;
  private static long warmBlocked;
  private static HeldHop held;
  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

  @BeforeAll
  static void start() throws Exception {
    sshd = LoopbackSshd.prepare();
    kit = new TestKit();
    held = new HeldHop(sshd.port);
    policyText = String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    targets: \"*\"",
        "    roles: \"*\"",
        "    delegate: true",
        "    max_depth: 2",
        "roles:",
        "  ops: { principal: " + LoopbackSshd.USER + ", extensions: [permit-pty] }",
        "  admin: { principal: " + LoopbackSshd.USER + ", extensions: [permit-pty, permit-port-forwarding], cert_ttl: 2m }",
        "targets:",
        "  box: { host: 127.0.0.1, port: " + sshd.port + ", host_key: \"" + sshd.hostKey + "\", roles: [ops, admin] }",
        "  wrongkey: { host: 127.0.0.1, port: " + sshd.port + ", host_key: \"" + otherHostKey() + "\", roles: [ops] }",
        "  held: { host: 127.0.0.1, port: " + held.port() + ", host_key: \"" + sshd.hostKey + "\", roles: [ops] }",
        "");
    Files.writeString(kit.dir.resolve("policy.yaml"), policyText);
    signerDir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-signer-");
    PrintStream log = new PrintStream(SIGNER_LOG, true, StandardCharsets.UTF_8);
    SignerLimits limits = new SignerLimits(Duration.ofMinutes(10), Set.of(LoopbackSshd.USER),
        SignerLimits.KNOWN_EXTENSIONS, SignerLimits.KNOWN_OPTIONS, 1000, 1000);
    Set<String> me = Set.of(System.getProperty("user.name"));
    signerA = SignerServer.start(CaKeyFile.generate(new SecureRandom()),
        new SignerServer.Config(signerDir.resolve("a.sock"), limits, me, null), log, Clock.systemUTC());
    signerB = SignerServer.start(CaKeyFile.generate(new SecureRandom()),
        new SignerServer.Config(signerDir.resolve("b.sock"), limits, me, null), log, Clock.systemUTC());
    int pa = TestKit.freePort();
    int pb = TestKit.freePort();
    // Both nodes trace every request into SPANS: the SSH suite runs with tracing on, and one test reads the trace.
    a = TestKit.start(kit.config("a", pa, List.of(pa, pb)).set("ssh.signer-socket", signerA.socket().toString())
        .set("ssh.session-idle", "2m").build(), SPANS);
    // b answers MCP requests within 20 s: with 5 s for the signer, 10 s to connect and 2 s of margin, a
    // command there may run at most 3 s, whatever ssh.exec-timeout (60 s) says.
    b = TestKit.start(kit.config("b", pb, List.of(pa, pb)).set("ssh.signer-socket", signerB.socket().toString())
        .set("http.request-timeout", "20s").build(), SPANS);
    TestKit.awaitReady(a);
    TestKit.awaitReady(b);
    // The hosts' TrustedUserCAKeys comes from the cluster's CA list: both nodes' keys, from either node.
    Eventually.await(Duration.ofSeconds(20), "both CA keys published", () ->
        Http.get("http://127.0.0.1:" + a.port() + "/v1/ssh/ca", java.util.Map.of()).body().lines().count() == 2);
    String cas = Http.get("http://127.0.0.1:" + b.port() + "/v1/ssh/ca", java.util.Map.of()).body();
    assertTrue(cas.contains(signerA.caPublicKey()) && cas.contains(signerB.caPublicKey()), cas);
    Files.writeString(sshd.caFile(), cas);
    sshd.start();
    // The first MCP requests load the HTTP, JSON and MCP classes from disk: on a loaded 2-core machine that
    // can keep a loop past the 100 ms limit (seen: class loading under JsonBodies.parse). Warnings are
    // counted after one task and one tools/list on each node; everything after that must not block.
    String warm = task(List.of("box"), List.of("ops"), null).getString("token");
    for (Node n : List.of(a, b)) {
      client(n, warm).rpc("tools/list", null);
    }
    warmBlocked = a.blockedThreadWarnings() + b.blockedThreadWarnings();
  }

  private static String otherHostKey() throws Exception {
    Path d = Files.createTempDirectory(sshd.dir, "otherkey");
    LoopbackSshd.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", d.resolve("k").toString()));
    String k = Files.readString(d.resolve("k.pub")).trim();
    return k.substring(0, k.lastIndexOf(' '));
  }

  @AfterAll
  static void stop() throws Exception {
    long blocked = (a == null ? 0 : a.blockedThreadWarnings()) + (b == null ? 0 : b.blockedThreadWarnings())
        - warmBlocked;
    try {
      TestKit.close(b);
      TestKit.close(a);
    } finally {
      if (signerA != null) {
        signerA.close();
      }
      if (signerB != null) {
        signerB.close();
      }
      if (held != null) {
        held.close();
      }
      if (sshd != null) {
        sshd.close();
      }
      if (signerDir != null) {
        try (var walk = Files.walk(signerDir)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
    assertEquals(0, blocked, "an event loop was blocked (" + warmBlocked + " warnings during warm-up)");
    String log = SIGNER_LOG.toString(StandardCharsets.UTF_8);
    assertFalse(log.contains("PRIVATE KEY"), "the signer log must never hold key material");
  }

  // ------------------------------------------------------------------------------------------ helpers

  /**
   * A TCP hop in front of the real sshd that holds each connection until {@link #release}: the broker's
   * connection to the target (after its certificate was issued) is in flight meanwhile.
   */
  private static final class HeldHop implements AutoCloseable {
    private final java.net.ServerSocket server;
    private final int upstream;
    final java.util.concurrent.CountDownLatch accepted = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private final List<java.net.Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    HeldHop(int upstream) throws java.io.IOException {
      this.upstream = upstream;
      this.server = new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress());
      daemon("held-hop-accept", this::acceptLoop);
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      try {
        while (true) {
          java.net.Socket in = server.accept();
          open.add(in);
          accepted.countDown();
          daemon("held-hop-conn", () -> {
            try {
              if (!release.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                in.close();
                return;
              }
              java.net.Socket out = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), upstream);
              open.add(out);
              daemon("held-hop-up", () -> pump(in, out));
              pump(out, in);
            } catch (Exception e) {
              // the connection ended
            }
          });
        }
      } catch (java.io.IOException e) {
        // closed
      }
    }

    private static void pump(java.net.Socket from, java.net.Socket to) {
      try {
        from.getInputStream().transferTo(to.getOutputStream());
      } catch (java.io.IOException e) {
        // one side closed
      } finally {
        try {
          to.shutdownOutput();
        } catch (java.io.IOException e) {
          // already closed
        }
      }
    }

    private static void daemon(String name, Runnable r) {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws java.io.IOException {
      release.countDown();
      server.close();
      for (java.net.Socket s : open) {
        s.close();
      }
    }
  }

  private static McpClient client(Node n, String credential) {
    return McpClient.bearer("http://127.0.0.1:" + n.port() + "/mcp", credential);
  }

  /** A root task of alice limited to {@code targets} and {@code roles}; returns {token, task_id}. */
  private static JsonObject task(List<String> targets, List<String> roles, String ttl) {
    JsonObject args = new JsonObject().put("envelope", new JsonObject().put("targets", new JsonArray(targets))
        .put("roles", new JsonArray(roles))).put("can_delegate", true);
    if (ttl != null) {
      args.put("ttl", ttl);
    }
    return client(a, kit.aliceKey).ok("task_create", args);
  }

  private static IMap<String, String> certMap(Node n) {
    return n.cluster().hazelcast().getMap("ephyr.ssh.certs");
  }

  private static IMap<String, String> sessionIndex(Node n) {
    return n.cluster().hazelcast().getMap("ephyr.ssh.sessions");
  }

  private static long sessionsOf(String task) {
    return sessionIndex(a).values().stream().filter(v -> new JsonObject(v).getString("task").equals(task)).count();
  }

  private static byte[] krl(Node n) throws Exception {
    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + n.port() + "/v1/ssh/krl")).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  private static Path write(String name, String text) throws Exception {
    Path p = sshd.dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  // ------------------------------------------------------------------------------------------ tests

  @Test
  void exec_asTheRolesPrincipal_withAnInspectableCertificate() throws Exception {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    JsonObject r = client(b, t.getString("token")).ok("exec", new JsonObject().put("target", "box")
        .put("command", "id -un; echo err >&2; exit 3"));
    assertEquals(LoopbackSshd.USER + "\n", r.getString("stdout"));
    assertEquals("err\n", r.getString("stderr"));
    assertEquals(3, r.getInteger("exit_status"));
    assertEquals("ops", r.getString("role"));
    long serial = r.getLong("certificate_serial");

    JsonObject rec = new JsonObject(certMap(a).get(String.valueOf(serial)));
    String keyId = "ephyr:alice:" + t.getString("task_id") + ":" + serial;
    assertEquals(keyId, rec.getString("key_id"));
    Path cert = write("exec-cert.pub", rec.getString("certificate") + "\n");
    String shown = LoopbackSshd.run(List.of("ssh-keygen", "-L", "-f", cert.toString()));
    assertTrue(shown.contains("Key ID: \"" + keyId + "\""), shown);
    assertTrue(shown.contains("Serial: " + serial), shown);
    assertTrue(shown.matches("(?s).*Principals: \\s*\\n\\s*" + LoopbackSshd.USER + "\\s*\\n\\s*Critical Options: \\(none\\).*"),
        shown);
    assertTrue(shown.matches("(?s).*Extensions: \\s*\\n\\s*permit-pty\\s*\\n*$"), shown);
    long after = rec.getLong("valid_after");
    long before = rec.getLong("valid_before");
    assertEquals(300 + 30, before - after, "default TTL 5 min, backdated 30 s");
    assertTrue(shown.contains("Valid: from "), shown);
    assertTrue(SIGNER_LOG.toString(StandardCharsets.UTF_8).contains("\"key_id\":\"" + keyId + "\""),
        "the signer logs every signature");
    // list_certs of the task shows it
    JsonArray certs = client(a, t.getString("token")).ok("list_certs", new JsonObject()).getJsonArray("certificates");
    assertTrue(certs.stream().anyMatch(c -> ((JsonObject) c).getLong("serial") == serial), certs.encode());
  }

  @Test
  void exec_roleWithItsOwnTtlAndExtensions() throws Exception {
    JsonObject t = task(List.of("box"), List.of("ops", "admin"), null);
    String code = client(a, t.getString("token")).toolError("exec", new JsonObject().put("target", "box")
        .put("command", "true"));
    assertEquals("role_required", code, "two roles usable: the agent must choose");
    JsonObject r = client(a, t.getString("token")).ok("exec", new JsonObject().put("target", "box")
        .put("role", "admin").put("command", "true"));
    JsonObject rec = new JsonObject(certMap(a).get(String.valueOf(r.getLong("certificate_serial"))));
    assertEquals(120 + 30, rec.getLong("valid_before") - rec.getLong("valid_after"));
    String shown = LoopbackSshd.run(List.of("ssh-keygen", "-L", "-f",
        write("admin-cert.pub", rec.getString("certificate") + "\n").toString()));
    assertTrue(shown.contains("permit-port-forwarding") && shown.contains("permit-pty"), shown);
  }

  @Test
  void exec_refusedOutsideTheEnvelope() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    McpClient c = client(a, t.getString("token"));
    assertEquals("role_not_allowed", c.toolError("exec", new JsonObject().put("target", "box").put("role", "admin")
        .put("command", "id")));
    assertEquals("target_not_allowed", c.toolError("exec", new JsonObject().put("target", "wrongkey")
        .put("command", "id")));
    assertEquals("target_not_allowed", c.toolError("exec", new JsonObject().put("target", "nosuch")
        .put("command", "id")), "an unknown target looks like a forbidden one");
    // an agent key (no task) gets no certificate
    assertEquals("task_required", client(a, kit.aliceKey).toolError("exec", new JsonObject().put("target", "box")
        .put("command", "id")));
  }

  @Test
  void exec_refusesAHostWhoseKeyIsNotThePinnedOne() {
    JsonObject t = task(List.of("wrongkey"), List.of("ops"), null);
    String code = client(a, t.getString("token")).toolError("exec", new JsonObject().put("target", "wrongkey")
        .put("command", "id"));
    assertEquals("host_key_mismatch", code);
  }

  @Test
  void exec_outputIsCappedAndTimeoutsKill() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    McpClient c = client(a, t.getString("token"));
    JsonObject big = c.ok("exec", new JsonObject().put("target", "box").put("command", "head -c 200000 /dev/zero | tr '\\0' x"));
    assertTrue(big.getBoolean("stdout_truncated"));
    assertTrue(big.getString("stdout").endsWith("[output truncated: " + (200000 - 65536) + " more bytes not shown]"));
    JsonObject slow = c.ok("exec", new JsonObject().put("target", "box").put("command", "sleep 30")
        .put("timeout_seconds", 1));
    assertTrue(slow.getBoolean("timed_out"));
    assertEquals(null, slow.getValue("exit_status"));
  }

  @Test
  void exec_timeout_isCappedBelowTheRequestTimeout_inTheSchemaAndOnCall() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    McpClient c = client(a, t.getString("token"));
    JsonObject exec = null;
    for (Object o : c.rpc("tools/list", null).json().getJsonObject("result").getJsonArray("tools")) {
      if ("exec".equals(((JsonObject) o).getString("name"))) {
        exec = (JsonObject) o;
      }
    }
    assertNotNull(exec);
    JsonObject timeout = exec.getJsonObject("inputSchema").getJsonObject("properties").getJsonObject("timeout_seconds");
    // A call that streams progress may take ssh.max-exec-timeout (10 min); an inline one what is left of a's
    // request timeout of 30 s after the signer (5 s), the connection (10 s) and a margin (2 s).
    assertEquals(600, timeout.getInteger("maximum"), timeout.encode());
    assertTrue(timeout.getString("description").contains("at most 13 s"), timeout.encode());
    for (int tooLong : new int[] {14, 30, 600}) {
      Http.Response r = c.call("exec", new JsonObject().put("target", "box").put("command", "true")
          .put("timeout_seconds", tooLong));
      assertEquals(200, r.status(), "a JSON-RPC answer, never a bare HTTP error: " + r);
      JsonObject error = r.json().getJsonObject("error");
      assertNotNull(error, tooLong + " s accepted: " + r);
      assertEquals(-32602, error.getInteger("code"));
      assertTrue(error.getString("message").contains("between 1 and 13")
          && error.getString("message").contains("request timeout")
          && error.getString("message").contains("progressToken"), error.encode());
    }
  }

  @Test
  void exec_withoutATimeout_onANodeWithAShortRequestTimeout_answersInTime_killingTheCommand() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    // ssh.exec-timeout is 60 s; b's requests end at 20 s: the default is cut to b's cap of 3 s.
    Http.Response r = client(b, t.getString("token")).call("exec", new JsonObject().put("target", "box")
        .put("command", "sleep 60"));
    assertEquals(200, r.status(), "a JSON-RPC answer, not the front's timeout: " + r);
    JsonObject result = r.json().getJsonObject("result");
    assertNotNull(result, r.toString());
    JsonObject out = result.getJsonObject("structuredContent");
    assertTrue(out.getBoolean("timed_out"), out.encode());
    assertEquals(null, out.getValue("exit_status"));
  }

  @Test
  void session_createdOnA_usedAndClosedThroughB() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    JsonObject s = client(a, t.getString("token")).ok("session_create", new JsonObject().put("target", "box"));
    String id = s.getString("session_id");
    assertTrue(id.startsWith("a~"), id);
    JsonObject r = client(b, t.getString("token")).ok("exec", new JsonObject().put("session_id", id)
        .put("command", "echo $((6*7)); id -un"));
    assertEquals("42\n" + LoopbackSshd.USER + "\n", r.getString("stdout"));
    JsonArray listed = client(b, t.getString("token")).ok("list_sessions", new JsonObject()).getJsonArray("sessions");
    assertEquals(1, listed.size());
    assertEquals(id, listed.getJsonObject(0).getString("session_id"));
    assertTrue(client(b, t.getString("token")).ok("session_close", new JsonObject().put("session_id", id))
        .getBoolean("closed"));
    assertEquals("no_such_session", client(a, t.getString("token")).toolError("exec",
        new JsonObject().put("session_id", id).put("command", "id")));
    assertEquals(0, sessionsOf(t.getString("task_id")));
  }

  /**
   * One trace for a session call made on the node that does not hold the session: the MCP request's span on b, the
   * forwarded hop and the exec on a, all under the trace the client named, and no secret in any attribute.
   */
  @Test
  void trace_ofASessionCallForwardedToItsOwner_spansBothNodes_andHoldsNoSecret() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    String token = t.getString("token");
    String id = client(a, token).ok("session_create", new JsonObject().put("target", "box")).getString("session_id");
    // An MCP client carries its trace in _meta (no traceparent header): the call joins that trace.
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    JsonObject params = new JsonObject().put("name", "exec").put("arguments", new JsonObject()
        .put("session_id", id).put("command", "echo traced")).put("_meta", new JsonObject()
        .put("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
    Http.Response r = client(b, token).rpc("tools/call", params);
    assertEquals(200, r.status(), r.body());
    assertTrue(r.body().contains("traced"), r.body());
    assertCallTracedOnBothNodes(traceId, t.getString("task_id"));
    client(a, token).ok("session_close", new JsonObject().put("session_id", id));
    // Nothing any span or resource carries holds a credential.
    String everything = SPANS.getFinishedSpanItems().toString();
    for (String secret : List.of(token, token.substring(4, 40), kit.aliceKey, "Bearer ", "DPoP ")) {
      int at = everything.indexOf(secret);
      assertEquals(-1, at, () -> "a span holds a credential: …" + everything.substring(Math.max(0, at - 80), at) + "…");
    }
    // Any task token of any test of this class (they all ran with tracing on).
    java.util.regex.Matcher anyToken = java.util.regex.Pattern.compile("mac_[A-Za-z0-9_-]{24,}").matcher(everything);
    assertFalse(anyToken.find(), () -> "a span holds a task token: …"
        + everything.substring(Math.max(0, anyToken.start() - 120), anyToken.start() + 12) + "…");
  }

  /** The same call with its trace in the W3C {@code traceparent} header, as an HTTP client sends it. */
  @Test
  void trace_fromTheTraceparentHeader_spansBothNodes() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    String token = t.getString("token");
    String id = client(a, token).ok("session_create", new JsonObject().put("target", "box")).getString("session_id");
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    McpClient viaB = client(b, token);
    byte[] body = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "tools/call").put("params",
        new JsonObject().put("name", "exec").put("arguments", new JsonObject().put("session_id", id)
            .put("command", "echo header"))).encode().getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>(viaB.headers("POST", body));
    headers.put("traceparent", "00-" + traceId + "-b7ad6b7169203331-01");
    Http.Response r = Http.send("POST", b.mcpUrl(), headers, body);
    assertEquals(200, r.status(), r.body());
    assertTrue(r.body().contains("header"), r.body());
    assertCallTracedOnBothNodes(traceId, t.getString("task_id"));
    client(a, token).ok("session_close", new JsonObject().put("session_id", id));
  }

  /** The call's span on b (tool, task, agent) and a span on a, the session's owner, under it, all in {@code traceId}. */
  private static void assertCallTracedOnBothNodes(String traceId, String taskId) {
    AttributeKey<String> instance = AttributeKey.stringKey("service.instance.id");
    Eventually.await(Duration.ofSeconds(10), "spans of the call on both nodes", () -> SPANS.getFinishedSpanItems()
        .stream().filter(s -> s.getTraceId().equals(traceId)).map(s -> s.getResource().getAttribute(instance))
        .distinct().count() == 2);
    List<SpanData> trace = SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    SpanData call = trace.stream().filter(s -> s.getName().equals("mcp tools/call")).findFirst().orElseThrow();
    assertEquals("b", call.getResource().getAttribute(instance));
    assertEquals("exec", call.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name")));
    assertEquals(taskId, call.getAttributes().get(AttributeKey.stringKey("ephyr.task")));
    assertEquals("alice", call.getAttributes().get(AttributeKey.stringKey("ephyr.agent")));
    SpanData onOwner = trace.stream().filter(s -> "a".equals(s.getResource().getAttribute(instance))).findFirst()
        .orElseThrow();
    assertTrue(descendsFrom(onOwner, call, trace), "the owner's span is not under the call: " + trace);
  }

  private static boolean descendsFrom(SpanData span, SpanData ancestor, List<SpanData> trace) {
    SpanData at = span;
    for (int hops = 0; hops < trace.size() && at != null; hops++) {
      if (at.getSpanId().equals(ancestor.getSpanId())) {
        return true;
      }
      String parent = at.getParentSpanId();
      at = trace.stream().filter(s -> s.getSpanId().equals(parent)).findFirst().orElse(null);
    }
    return false;
  }

  /**
   * What a peer on the cluster network could send the owner of a session: an exec request naming the right
   * session, task and scope, and a "task revoked" broadcast. Sent unsealed from node b's own event bus (the
   * owner cannot tell that from a foreign peer): the exec is refused before the session layer, the broadcast
   * closes nothing, and the session still works for its task.
   */
  @Test
  void forgedBusMessages_runNothingOnASession_andCloseNothing() throws Exception {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    String taskId = t.getString("task_id");
    String id = client(a, t.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    JsonObject caller = new JsonObject().put("agent", "alice").put("task", taskId)
        .put("lineage", new JsonArray().add(new JsonObject().put("task", taskId).put("epoch", 0)))
        .put("expires_at", System.currentTimeMillis() / 1000 + 600).put("targets", "box").put("roles", "ops");
    JsonObject forged = new JsonObject().put("op", "exec").put("session_id", id).put("command", "id -un")
        .put("timeout_ms", 10_000).put("caller", caller);
    io.vertx.core.eventbus.DeliveryOptions wait = new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000);
    Object reply = b.vertx().eventBus().request(Addresses.SSH_SESSION_PREFIX + "a", forged, wait).toCompletionStage()
        .toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS).body();
    assertFalse(String.valueOf(reply).contains(LoopbackSshd.USER), "a forged message ran a command: " + reply);
    assertEquals("bus_refused", ((JsonObject) reply).getJsonObject("denied", new JsonObject()).getString("code"),
        String.valueOf(reply));
    b.vertx().eventBus().publish(Addresses.TASKS_REVOKED, new JsonObject().put("task_id", taskId));
    // Same connection, same consumer context: this answer comes after the broadcast was handled.
    b.vertx().eventBus().request(Addresses.SSH_SESSION_PREFIX + "a", forged, wait).toCompletionStage()
        .toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    JsonObject r = client(a, t.getString("token")).ok("exec", new JsonObject().put("session_id", id)
        .put("command", "echo alive"));
    assertEquals("alive\n", r.getString("stdout"), "the forged revocation closed the session");
    client(a, t.getString("token")).ok("session_close", new JsonObject().put("session_id", id));
  }

  @Test
  void session_ofOneTask_isRefusedToAnother() {
    JsonObject owner = task(List.of("box"), List.of("ops"), null);
    JsonObject other = task(List.of("box"), List.of("ops"), null);
    String id = client(a, owner.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    for (Node n : List.of(a, b)) {
      McpClient thief = client(n, other.getString("token"));
      assertEquals("not_your_session", thief.toolError("exec", new JsonObject().put("session_id", id)
          .put("command", "id")));
      assertEquals("not_your_session", thief.toolError("session_close", new JsonObject().put("session_id", id)));
    }
    // with session_id, target and role come from the session: naming others is refused, not silently ignored
    assertEquals(-32602, client(a, owner.getString("token")).call("exec", new JsonObject().put("session_id", id)
        .put("target", "wrongkey").put("command", "id")).json().getJsonObject("error").getInteger("code"));
    // a child task is another task too
    JsonObject child = client(a, owner.getString("token")).ok("task_delegate", new JsonObject());
    assertEquals("not_your_session", client(b, child.getString("token")).toolError("exec",
        new JsonObject().put("session_id", id).put("command", "id")));
    client(a, owner.getString("token")).ok("session_close", new JsonObject().put("session_id", id));
  }

  @Test
  void revoke_closesSessionsOnEveryNode_andTheKrlRevokesItsCertificates() throws Exception {
    JsonObject root = task(List.of("box"), List.of("ops"), null);
    JsonObject child = client(a, root.getString("token")).ok("task_delegate", new JsonObject());
    String onA = client(a, root.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    String onB = client(b, child.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    assertTrue(onA.startsWith("a~") && onB.startsWith("b~"));
    long serialA = client(a, root.getString("token")).ok("exec", new JsonObject().put("session_id", onA)
        .put("command", "true")).getLong("certificate_serial");
    JsonObject other = task(List.of("box"), List.of("ops"), null);
    long otherSerial = client(a, other.getString("token")).ok("exec", new JsonObject().put("target", "box")
        .put("command", "true")).getLong("certificate_serial");

    client(b, root.getString("token")).ok("task_revoke", new JsonObject());

    Eventually.await(Duration.ofSeconds(10), "sessions of the revoked tree closed on both nodes",
        () -> sessionsOf(root.getString("task_id")) == 0 && sessionsOf(child.getString("task_id")) == 0);
    assertEquals(401, client(b, child.getString("token")).call("exec", new JsonObject().put("session_id", onB)
        .put("command", "id")).status(), "a revoked task's token is refused before any session lookup");

    // The KRL (from either node) revokes every certificate of the tree, and nothing else.
    Path krl = sshd.dir.resolve("test.krl");
    Files.write(krl, krl(a));
    for (Object o : certMap(b).values().stream().map(JsonObject::new).toList()) {
      JsonObject rec = (JsonObject) o;
      boolean tree = rec.getString("task").equals(root.getString("task_id"))
          || rec.getString("task").equals(child.getString("task_id"));
      Path cert = write("q-" + rec.getLong("serial") + "-cert.pub", rec.getString("certificate") + "\n");
      LoopbackSshd.Result q = LoopbackSshd.run(List.of("ssh-keygen", "-Q", "-f", krl.toString(), cert.toString()), true);
      if (tree) {
        assertTrue(q.output().contains("REVOKED"), rec.getLong("serial") + ": " + q.output());
        assertNotEquals(0, q.exit());
      } else if (rec.getLong("serial") == otherSerial) {
        assertTrue(q.output().contains("ok"), q.output());
      }
    }
    assertTrue(certMap(a).containsKey(String.valueOf(serialA)));
    Files.write(sshd.krlFile(), krl(b)); // what a host's fetch timer would do
    JsonObject after = client(a, other.getString("token")).ok("exec", new JsonObject().put("target", "box")
        .put("command", "echo still-fine"));
    assertEquals("still-fine\n", after.getString("stdout"), "the KRL does not touch other tasks");
  }

  @Test
  void expiredTask_losesItsSessionAndItsToken() {
    JsonObject t = task(List.of("box"), List.of("ops"), "12s");
    String id = client(a, t.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    assertEquals(1, sessionsOf(t.getString("task_id")));
    Eventually.await(Duration.ofSeconds(30), "the session closed at the task's expiry",
        () -> sessionsOf(t.getString("task_id")) == 0);
    assertEquals(401, client(b, t.getString("token")).call("exec", new JsonObject().put("session_id", id)
        .put("command", "id")).status());
  }

  @Test
  void exec_revokedWhileItsConnectionOpens_runsNothing() throws Exception {
    JsonObject t = task(List.of("held"), List.of("ops"), null);
    java.util.concurrent.CompletableFuture<Http.Response> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> client(a, t.getString("token")).call("exec", new JsonObject().put("target", "held").put("command", "id")));
    // The certificate is issued and the broker is connecting to the target: hold it there and revoke the task.
    assertTrue(held.accepted.await(60, java.util.concurrent.TimeUnit.SECONDS), "the broker never connected");
    JsonObject revoke = client(b, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", t.getString("task_id")));
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
    held.release.countDown();
    Http.Response r = inFlight.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, r.status(), r.toString());
    JsonObject result = r.json().getJsonObject("result");
    assertTrue(result.getBoolean("isError"), "a command ran for a task revoked while it connected: " + r);
    assertEquals("revoked", result.getJsonObject("structuredContent").getString("error"), r.toString());
  }

  @Test
  void listTargets_showsOnlyWhatTheEnvelopeAllows() {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    JsonArray targets = client(b, t.getString("token")).ok("list_targets", new JsonObject()).getJsonArray("targets");
    assertEquals(1, targets.size(), targets.encode());
    assertEquals("box", targets.getJsonObject(0).getString("target"));
    assertEquals(1, targets.getJsonObject(0).getJsonArray("roles").size());
  }

  @Test
  void session_policyNarrowedWhileOpen_refusesTheNextCommand() throws Exception {
    JsonObject t = task(List.of("box"), List.of("ops"), null);
    String id = client(a, t.getString("token")).ok("session_create", new JsonObject().put("target", "box"))
        .getString("session_id");
    try {
      // The operator takes the role 'ops' away from alice: the open session must not outlive that.
      Files.writeString(kit.dir.resolve("policy.yaml"), policyText.replace("    roles: \"*\"", "    roles: [admin]"));
      a.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      b.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      for (Node n : List.of(a, b)) {
        assertEquals("role_not_allowed", client(n, t.getString("token")).toolError("exec",
            new JsonObject().put("session_id", id).put("command", "id")));
      }
      // A changed host key closes the session outright.
      Files.writeString(kit.dir.resolve("policy.yaml"), policyText.replace(sshd.hostKey, otherHostKey()));
      a.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      b.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("policy_changed", client(b, t.getString("token")).toolError("exec",
          new JsonObject().put("session_id", id).put("command", "id")));
      assertEquals("no_such_session", client(a, t.getString("token")).toolError("exec",
          new JsonObject().put("session_id", id).put("command", "id")));
    } finally {
      Files.writeString(kit.dir.resolve("policy.yaml"), policyText);
      a.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      b.reloadPolicy().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void node_withAnUnreachableSigner_refusesToStart_sayingWhy() {
    int p = TestKit.freePort();
    Throwable e = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, () -> Node.start(
        kit.config("c", p, List.of(p)).set("cluster.name", kit.clusterName + "-alone")
            .set("ssh.signer-socket", signerDir.resolve("nobody.sock").toString()).build())
        .toCompletionStage().toCompletableFuture().get(90, java.util.concurrent.TimeUnit.SECONDS));
    Throwable root = e;
    while (root.getCause() != null && !(root instanceof ConfigException)) {
      root = root.getCause();
    }
    assertTrue(root.getMessage().contains("cannot reach the signer"), String.valueOf(root.getMessage()));
  }
}
