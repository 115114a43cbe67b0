package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The credential-injecting proxy (DESIGN §7.3, §10 item 7) against a real HTTP service on loopback, through a
 * real node: every injection mode arrives as configured, the agent never sees a credential (even when the
 * service reflects it compressed, in byte ranges, escaped or encoded, in a header or a trailer), and SSRF and
 * credential-leak attacks are refused with clear reasons.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyTest {
  private static TestKit kit;
  private static Node node;
  private static ProxyUpstream up;
  private static final Map<String, String> SECRETS = new LinkedHashMap<>();
  private static final ConcurrentLinkedQueue<String> AUDIT = new ConcurrentLinkedQueue<>();

  private static final java.io.ByteArrayOutputStream LOGS = new java.io.ByteArrayOutputStream();
  private static java.io.PrintStream originalErr;
  private static java.io.PrintStream originalOut;
  private static long warmBlocked;

  @BeforeAll
  static void start() throws Exception {
    // Everything the node logs (slf4j-simple writes to the current System.err) is kept to search for secrets.
    originalErr = System.err;
    originalOut = System.out;
    System.setErr(new java.io.PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
    System.setOut(new java.io.PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
    up = new ProxyUpstream();
    kit = new TestKit();
    for (String s : List.of("bearer", "basic", "header", "query")) {
      // Characters that need URL encoding, so the query mode's encoding is exercised too.
      String secret = "s3cr+t/" + s + "=" + HexFormat.of().formatHex(TestKit.RANDOM.generateSeed(12));
      SECRETS.put(s, secret);
      Path f = kit.dir.resolve(s + ".secret");
      Files.writeString(f, secret + "\n");
    }
    SECRETS.put("held", "s3cr+t/held=" + HexFormat.of().formatHex(TestKit.RANDOM.generateSeed(12)));
    Process mkfifo = new ProcessBuilder("mkfifo", kit.dir.resolve("held.secret").toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor(), "mkfifo (coreutils) is needed for the in-flight revocation test");
    Files.writeString(kit.dir.resolve("policy.yaml"), policy());
    int p = TestKit.freePort();
    node = TestKit.start(kit.config("a", p, List.of(p)).build());
    TestKit.awaitReady(node);
    // One request down each path first: on a loaded 2-core machine the first use of the HTTP client, JSON
    // and proxy classes (class loading, interpreter) can keep a loop busy past the 100 ms limit. The
    // assertion at the end counts warnings after this warm-up.
    alice().call("http_request", new JsonObject().put("service", "bearer").put("path", "/echo/warm"));
    route("GET", "bearer/echo/warm", aliceHeaders(), null);
    Http.sendChunked(node.publicUrl() + "/v1/proxy/header/echo/warm", aliceHeaders(), new byte[100]);
    // And the redactor's scan over many spellings, on both fronts.
    alice().call("http_request", new JsonObject().put("service", "bearer").put("path", "/leak/spellings"));
    route("GET", "bearer/leak/spellings", aliceHeaders(), null);
    warmBlocked = node.blockedThreadWarnings();
    node.vertx().eventBus().addOutboundInterceptor(ctx -> {
      if (Addresses.AUDIT_RECORD.equals(ctx.message().address())) {
        AUDIT.add(String.valueOf(ctx.body()));
      }
      ctx.next();
    });
  }

  @AfterAll
  static void stop() throws Exception {
    long blocked = node == null ? 0 : node.blockedThreadWarnings() - warmBlocked;
    try {
      TestKit.close(node);
    } finally {
      up.close();
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
    assertEquals(0, blocked, "an event loop was blocked (" + warmBlocked + " warnings during warm-up)");
    String logs;
    synchronized (LOGS) {
      logs = LOGS.toString(StandardCharsets.UTF_8);
    }
    assertNoSecret(logs);
    // The durable audit trail, as written to disk, names the service and never holds a secret.
    StringBuilder trail = new StringBuilder();
    try (java.util.stream.Stream<Path> files = Files.list(node.config().audit().dir())) {
      for (Path f : files.sorted().toList()) {
        trail.append(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    assertTrue(trail.toString().contains("service:bearer"), "the audit trail records the proxied calls");
    assertNoSecret(trail.toString());
  }

  /** Writes to the original stream and to {@link #LOGS}. */
  private static final class Tee extends java.io.OutputStream {
    private final java.io.OutputStream out;

    Tee(java.io.OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      out.write(b);
      synchronized (LOGS) {
        LOGS.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      out.write(b, off, len);
      synchronized (LOGS) {
        LOGS.write(b, off, len);
      }
    }
  }

  private static String policy() {
    String o = "http://127.0.0.1:" + up.port;
    String paths = "paths: [\"/echo/**\", \"/redirect-*\", \"/cookies\", \"/big\", \"/big-cl\", \"/leak/*\"]";
    String file = kit.dir.toString();
    return String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(kit.aliceKey) + "\"]",
        "    services: \"*\"",
        "    methods: [GET, HEAD, POST, PUT, DELETE]",
        "  bob:",
        "    api_keys: [\"" + ApiKeys.hash(kit.bobKey) + "\"]",
        "    targets: \"*\"",
        "    methods: [GET]",
        "  carol:",
        "    api_keys: [\"" + ApiKeys.hash(kit.carolKey) + "\"]",
        "    services: \"*\"",
        "    methods: [GET]",
        "    require_task: true",
        "services:",
        "  bearer:",
        "    origin: " + o,
        "    methods: [GET, HEAD, POST, PUT]",
        "    " + paths,
        "    auth: { type: bearer, secret_file: " + file + "/bearer.secret }",
        "    allow_private: true",
        "  basic:",
        "    origin: " + o,
        "    " + paths,
        "    auth: { type: basic, username: robot, secret_file: " + file + "/basic.secret }",
        "    allow_private: true",
        "  header:",
        "    origin: " + o,
        "    methods: [GET, POST]",
        "    " + paths,
        "    auth: { type: header, name: X-Api-Key, secret_file: " + file + "/header.secret }",
        "    allow_private: true",
        "  query:",
        "    origin: " + o,
        "    " + paths,
        "    auth: { type: query, name: access_token, secret_file: " + file + "/query.secret }",
        "    allow_private: true",
        "  small:",
        "    origin: " + o,
        "    " + paths,
        "    max_response_bytes: 1KiB",
        "    allow_private: true",
        "  slow:",
        "    origin: " + o,
        "    paths: [\"/slow\"]",
        "    timeout: 1s",
        "    allow_private: true",
        "  closed:",
        "    origin: http://127.0.0.1:" + TestKit.freePort(),
        "    allow_private: true",
        "  unset:",
        "    origin: " + o,
        "    auth: { type: bearer, secret_env: EPHYR_PROXY_TEST_NEVER_SET }",
        "    allow_private: true",
        "  viahost:",
        "    origin: http://localhost:" + up.port,
        "    " + paths,
        "    allow_private: true",
        "  held:",
        "    origin: " + o,
        "    " + paths,
        "    auth: { type: bearer, secret_file: " + file + "/held.secret }",
        "    allow_private: true",
        "  noprivate:",
        "    origin: " + o,
        "    auth: { type: bearer, secret_file: " + file + "/bearer.secret }",
        "  localhost:",
        "    origin: http://localhost:" + up.port,
        "  decimal:",
        "    origin: http://2130706433:" + up.port,
        "  mapped:",
        "    origin: http://[::ffff:127.0.0.1]:" + up.port,
        "  v6loop:",
        "    origin: http://[::1]:" + up.port,
        "  metadata:",
        "    origin: http://169.254.169.254",
        "    allow_private: true",
        "  zero:",
        "    origin: http://0.0.0.0:" + up.port,
        "    allow_private: true",
        "");
  }

  private static McpClient alice() {
    return McpClient.bearer(node.mcpUrl(), kit.aliceKey);
  }

  @Test
  void aRevokeAcknowledgedWhileTheRequestWaitsOnItsConnection_sendsNothing() throws Exception {
    // The "held" service's secret file is a FIFO: reading it (on a worker, before connecting) waits until this test
    // writes it, which holds the request inside the proxy's asynchronous step while the task is revoked.
    Path fifo = kit.dir.resolve("held.secret");
    String task;
    String token;
    JsonObject created = alice().ok("task_create", new JsonObject().put("ttl", 300));
    task = created.getString("task_id");
    token = created.getString("token");
    java.util.concurrent.CompletableFuture<ToolCall> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> call(McpClient.bearer(node.mcpUrl(), token), new JsonObject().put("service", "held")
            .put("path", "/echo/held-after-revoke")));
    // Opening a FIFO for writing returns once the reader opened it: the request is now waiting on its secret.
    java.util.concurrent.CompletableFuture<java.io.OutputStream> opened = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return Files.newOutputStream(fifo);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    try (java.io.OutputStream w = opened.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
      JsonObject revoke = alice().ok("task_revoke", new JsonObject().put("task_id", task));
      assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());
      w.write((SECRETS.get("held") + "\n").getBytes(StandardCharsets.UTF_8));
    }
    ToolCall r = inFlight.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(r.isError(), r.raw().toString());
    assertEquals("revoked", r.error(), r.raw().toString());
    assertTrue(up.seen.stream().noneMatch(x -> x.uri().contains("held-after-revoke")),
        "a request of a task revoked while it waited reached the service");
    assertNoSecret(r.raw().toString());
  }

  /** The whole HTTP answer of a tool call (to search for secrets) and its structured result. */
  private record ToolCall(Http.Response raw, JsonObject result, boolean isError) {
    String error() {
      return result.getString("error");
    }
  }

  private static ToolCall call(McpClient c, JsonObject args) {
    Http.Response r = c.call("http_request", args);
    assertEquals(200, r.status(), r.toString());
    JsonObject json = r.json();
    if (json.containsKey("error")) {
      return new ToolCall(r, new JsonObject().put("error", "invalid_params")
          .put("message", json.getJsonObject("error").getString("message")), true);
    }
    JsonObject result = json.getJsonObject("result");
    return new ToolCall(r, result.getJsonObject("structuredContent"), result.getBoolean("isError"));
  }

  private static void assertNoSecret(String text) {
    for (Map.Entry<String, String> s : SECRETS.entrySet()) {
      String v = s.getValue();
      assertFalse(text.contains(v), "the " + s.getKey() + " secret leaked: " + text);
      assertFalse(text.contains(URLEncoder.encode(v, StandardCharsets.UTF_8)), "the encoded " + s.getKey()
          + " secret leaked");
      assertFalse(text.contains(Base64.getEncoder().encodeToString(("robot:" + v).getBytes(StandardCharsets.UTF_8))),
          "a basic token leaked");
      // JSON escapes '/' in some encoders; check that spelling too.
      assertFalse(text.contains(v.replace("/", "\\/")), "the escaped " + s.getKey() + " secret leaked");
    }
  }

  private static Http.Response route(String method, String pathAfterProxy, Map<String, String> headers, byte[] body) {
    return Http.send(method, node.publicUrl() + "/v1/proxy/" + pathAfterProxy, headers, body);
  }

  private static Map<String, String> aliceHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + kit.aliceKey);
    return h;
  }

  @Test
  void eachInjectionModeArrivesAndTheAgentNeverSeesTheSecret() {
    String bearer = SECRETS.get("bearer");
    ToolCall b = call(alice(), new JsonObject().put("service", "bearer").put("path", "/echo/a?x=1"));
    assertFalse(b.isError(), b.raw().toString());
    assertEquals(200, b.result().getInteger("status"));
    assertEquals("Bearer " + bearer, up.last().header("Authorization"));
    assertEquals("/echo/a?x=1", up.last().uri());
    // The service reflected the credential (body and a header); the proxy removed it on the way back.
    assertTrue(b.result().getString("body").contains("[redacted]"), b.result().encode());
    assertEquals("Bearer [redacted]", b.result().getJsonObject("headers").getString("x-echo-auth"));
    assertNoSecret(b.raw().body());

    ToolCall basic = call(alice(), new JsonObject().put("service", "basic").put("path", "/echo/b"));
    assertFalse(basic.isError(), basic.raw().toString());
    assertEquals("Basic " + Base64.getEncoder().encodeToString(("robot:" + SECRETS.get("basic"))
        .getBytes(StandardCharsets.UTF_8)), up.last().header("Authorization"));
    assertNoSecret(basic.raw().body());

    ToolCall header = call(alice(), new JsonObject().put("service", "header").put("path", "/echo/c"));
    assertFalse(header.isError(), header.raw().toString());
    assertEquals(SECRETS.get("header"), up.last().header("X-Api-Key"));
    assertNull(up.last().header("Authorization"), "no Authorization for header auth");
    assertNoSecret(header.raw().body());

    ToolCall query = call(alice(), new JsonObject().put("service", "query").put("path", "/echo/d?keep=1")
        .put("query", new JsonObject().put("extra", "a b")));
    assertFalse(query.isError(), query.raw().toString());
    assertEquals("/echo/d?keep=1&extra=a+b&access_token=" + URLEncoder.encode(SECRETS.get("query"),
        StandardCharsets.UTF_8), up.last().uri());
    assertNoSecret(query.raw().body());
    assertTrue(node.metrics().count("ephyr_proxy_requests_total", "service", "query", "front", "tool",
        "outcome", "ok") >= 1);
  }

  @Test
  void routeStreamsBodiesAndNeverForwardsTheAgentsOwnCredential() {
    Map<String, String> h = aliceHeaders();
    h.put("X-Api-Key", "agent-chosen");
    h.put("Cookie", "sid=agent");
    h.put("Proxy-Authorization", "Basic Zm9vOmJhcg==");
    h.put("Content-Type", "text/plain");
    h.put("X-Custom", "kept");
    byte[] body = "hello through the proxy".repeat(5000).getBytes(StandardCharsets.UTF_8);
    Http.Response r = Http.sendChunked(node.publicUrl() + "/v1/proxy/header/echo/up?x=1", h, body);
    assertEquals(200, r.status(), r.toString());
    ProxyUpstream.Seen seen = up.last();
    assertEquals("POST", seen.method());
    assertEquals("/echo/up?x=1", seen.uri());
    assertEquals(new String(body, StandardCharsets.UTF_8), seen.body());
    assertEquals(SECRETS.get("header"), seen.header("X-Api-Key"), "the agent cannot replace the credential");
    assertNull(seen.header("Authorization"), "the agent's broker credential must never reach the service");
    assertNull(seen.header("Cookie"));
    assertNull(seen.header("Proxy-Authorization"));
    assertEquals("kept", seen.header("X-Custom"));
    assertEquals("127.0.0.1:" + up.port, seen.header("Host"));
    assertEquals("header", r.header("X-Ephyr-Service"));
    assertNotNull(r.header("X-Request-Id"));
    assertNoSecret(r.body());
    assertFalse(r.body().contains(kit.aliceKey));

    // A larger chunked response streams through whole; HEAD carries no body.
    Http.Response big = route("GET", "bearer/big", aliceHeaders(), null);
    assertEquals(200, big.status());
    assertEquals(16 * 1024, big.body().length());
    Http.Response head = route("HEAD", "bearer/echo/head", aliceHeaders(), null);
    assertEquals(200, head.status());
    assertEquals("", head.body());
    assertEquals("HEAD", up.last().method());

    // Bearer through the route: the service sees the service's token, not the agent's API key.
    Http.Response g = route("GET", "bearer/echo/r", aliceHeaders(), null);
    assertEquals(200, g.status(), g.toString());
    assertEquals("Bearer " + SECRETS.get("bearer"), up.last().header("Authorization"));
    assertNoSecret(g.body());
    assertNoSecret(g.headers().map().toString());
  }

  /** A route answer as bytes, with its headers. */
  private record Raw(int status, java.net.http.HttpHeaders headers, byte[] body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Body (decoded as its Content-Encoding says) and every header, as the agent could read them. */
    String everything() {
      return Leaks.decoded(header("Content-Encoding"), body) + "\n" + headers.map();
    }
  }

  private static Raw routeRaw(String pathAfterProxy, Map<String, String> extra) {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        node.publicUrl() + "/v1/proxy/" + pathAfterProxy)).timeout(Duration.ofSeconds(30));
    aliceHeaders().forEach(b::header);
    extra.forEach(b::header);
    try {
      java.net.http.HttpResponse<byte[]> r = java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1).build()
          .send(b.GET().build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      return new Raw(r.statusCode(), r.headers(), r.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final List<String> CREDENTIALED = List.of("bearer", "basic", "header", "query");

  @Test
  void compressionTheAgentAsksFor_neverHidesTheCredentialFromTheRedactor() {
    for (String service : CREDENTIALED) {
      for (String encoding : List.of("gzip", "deflate", "br, gzip;q=1.0, deflate")) {
        Raw r = routeRaw(service + "/leak/compressed", Map.of("Accept-Encoding", encoding));
        assertEquals(200, r.status(), service + " " + encoding);
        assertNull(Leaks.found(r.everything(), SECRETS.get(service)), service + " with Accept-Encoding " + encoding
            + " leaked: " + r.everything());
        assertEquals("identity", up.last().header("Accept-Encoding"), "the service is asked for plain bytes");
        assertTrue(r.everything().contains("credential: [redacted]"), r.everything());
      }
      ToolCall t = call(alice(), new JsonObject().put("service", service).put("path", "/leak/compressed")
          .put("headers", new JsonObject().put("Accept-Encoding", "gzip")));
      assertFalse(t.isError(), t.raw().toString());
      assertNull(Leaks.found(t.raw().body(), SECRETS.get(service)), t.raw().body());
    }
    // A service that compresses although asked not to: refused on both fronts, nothing of the body relayed.
    Raw always = routeRaw("bearer/leak/always-gzip", Map.of("Accept-Encoding", "gzip"));
    assertEquals(502, always.status(), always.everything());
    assertTrue(always.everything().contains("upstream_encoding"), always.everything());
    ToolCall tool = call(alice(), new JsonObject().put("service", "bearer").put("path", "/leak/always-gzip"));
    assertEquals("upstream_encoding", tool.error(), tool.raw().toString());
    assertFalse(tool.raw().body().contains(Base64.getEncoder().encodeToString(Leaks.gzip("credential: "
        + SECRETS.get("bearer") + "\n"))));
    // A transfer coding other than chunked is the same trick one layer down.
    Raw transfer = routeRaw("bearer/leak/transfer-gzip", Map.of());
    assertEquals(502, transfer.status(), transfer.everything());
    assertTrue(transfer.everything().contains("Transfer-Encoding gzip"), transfer.everything());
    assertNull(Leaks.found(transfer.everything(), SECRETS.get("bearer")));
    ToolCall transferTool = call(alice(), new JsonObject().put("service", "bearer").put("path", "/leak/transfer-gzip"));
    assertEquals("upstream_encoding", transferTool.error(), transferTool.raw().toString());
    // Without an injected credential there is nothing to hide: compression passes through as asked.
    Raw plain = routeRaw("small/leak/compressed", Map.of("Accept-Encoding", "gzip"));
    assertEquals("gzip", plain.header("Content-Encoding"));
    assertEquals("gzip", up.last().header("Accept-Encoding"));
  }

  @Test
  void rangeRequests_cannotSplitTheCredentialAcrossTwoResponses() {
    for (String service : CREDENTIALED) {
      String secret = SECRETS.get(service);
      int mid = "credential: ".length() + secret.length() / 2;
      Raw first = routeRaw(service + "/leak/range", Map.of("Range", "bytes=0-" + (mid - 1)));
      String firstSeen = String.valueOf(up.last().header("Range"));
      Raw second = routeRaw(service + "/leak/range", Map.of("Range", "bytes=" + mid + "-", "If-Range", "x"));
      String joined = new String(first.body(), StandardCharsets.UTF_8) + new String(second.body(),
          StandardCharsets.UTF_8);
      assertNull(Leaks.found(joined, secret), service + ": two ranges joined leaked: " + joined);
      assertEquals("null", firstSeen, "Range is not forwarded for a service with a credential");
      assertNull(up.last().header("If-Range"));
      assertEquals(200, first.status(), "the whole, redacted body comes back");

      ToolCall a = call(alice(), new JsonObject().put("service", service).put("path", "/leak/range")
          .put("headers", new JsonObject().put("Range", "bytes=0-" + (mid - 1))));
      ToolCall b = call(alice(), new JsonObject().put("service", service).put("path", "/leak/range")
          .put("headers", new JsonObject().put("Range", "bytes=" + mid + "-")));
      assertNull(Leaks.found(a.result().getString("body") + b.result().getString("body"), secret));
      assertTrue(a.result().getJsonArray("headers_dropped").contains("Range"), a.raw().toString());
    }
  }

  @Test
  void everySpellingOfAReflectedCredential_isRedacted_inBodiesAndHeaders() {
    for (String service : CREDENTIALED) {
      String secret = SECRETS.get(service);
      Raw r = routeRaw(service + "/leak/spellings", Map.of());
      assertEquals(200, r.status());
      String seen = r.everything();
      assertNull(Leaks.found(seen, secret), service + " route leaked: " + seen);
      for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
        assertTrue(line.contains("[redacted]"), service + ": not redacted: " + line);
      }
      assertEquals("[redacted]", r.header("X-Echo-Form"));
      ToolCall t = call(alice(), new JsonObject().put("service", service).put("path", "/leak/spellings"));
      assertFalse(t.isError(), t.raw().toString());
      assertNull(Leaks.found(t.raw().body(), secret), service + " tool leaked: " + t.raw().body());
      assertNull(Leaks.found(t.result().encode(), secret));
      for (String line : t.result().getString("body").split("\n")) {
        assertTrue(line.contains("[redacted]"), service + ": not redacted: " + line);
      }
    }
  }

  @Test
  void aChunkedTrailerReflectingTheCredential_neverReachesTheAgent() throws Exception {
    io.vertx.core.http.HttpClient client = up.vertx.createHttpClient();
    try {
      String[] trailer = new String[1];
      String body = client.request(new io.vertx.core.http.RequestOptions().setAbsoluteURI(node.publicUrl()
              + "/v1/proxy/bearer/leak/trailer").putHeader("Authorization", "Bearer " + kit.aliceKey)
              .putHeader("TE", "trailers"))
          .compose(req -> req.send())
          .compose(res -> res.body().map(b -> {
            trailer[0] = res.trailers().entries().toString() + res.headers().entries();
            return b.toString();
          })).await(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("see the trailer\n", body);
      assertNull(Leaks.found(trailer[0], SECRETS.get("bearer")), trailer[0]);
    } finally {
      client.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void agentHeadersThatCarryCredentialsAreDroppedAndSaidSo() {
    ToolCall r = call(alice(), new JsonObject().put("service", "bearer").put("path", "/echo/h")
        .put("headers", new JsonObject().put("Authorization", "Bearer mine").put("Cookie", "a=b")
            .put("Proxy-Authorization", "x").put("Connection", "X-Hop").put("X-Hop", "1").put("X-Ok", "yes")));
    assertFalse(r.isError(), r.raw().toString());
    assertEquals("Bearer " + SECRETS.get("bearer"), up.last().header("Authorization"));
    assertNull(up.last().header("Cookie"));
    assertNull(up.last().header("X-Hop"), "a header named in Connection is hop-by-hop");
    assertEquals("yes", up.last().header("X-Ok"));
    JsonArray dropped = r.result().getJsonArray("headers_dropped");
    assertTrue(dropped.contains("Authorization") && dropped.contains("Cookie"), dropped.encode());

    ToolCall crlf = call(alice(), new JsonObject().put("service", "bearer").put("path", "/echo/h")
        .put("headers", new JsonObject().put("X-Evil", "a\r\nHost: evil")));
    assertEquals("invalid_params", crlf.error());
  }

  @Test
  void upstreamCookiesAndChallengesDoNotComeBack() {
    ToolCall r = call(alice(), new JsonObject().put("service", "bearer").put("path", "/cookies"));
    assertFalse(r.isError(), r.raw().toString());
    assertEquals(401, r.result().getInteger("status"));
    JsonObject h = r.result().getJsonObject("headers");
    assertNull(h.getValue("set-cookie"));
    assertNull(h.getValue("www-authenticate"));
    assertEquals("yes", h.getString("x-kept"));
    Http.Response g = route("GET", "bearer/cookies", aliceHeaders(), null);
    assertEquals(401, g.status());
    assertNull(g.header("Set-Cookie"));
    assertNull(g.header("WWW-Authenticate"), "a challenge for the service's credential is not the broker's");
  }

  @Test
  void redirectsAreNeverFollowedAndForeignLocationsAreWithheld() {
    int before = up.seen.size();
    ToolCall other = call(alice(), new JsonObject().put("service", "bearer").put("path", "/redirect-other"));
    assertFalse(other.isError(), other.raw().toString());
    assertEquals(302, other.result().getInteger("status"));
    assertEquals("location_removed", other.result().getString("redirect"));
    assertNull(other.result().getValue("location"));
    assertFalse(other.raw().body().contains("evil.example"));
    assertEquals(before + 1, up.seen.size(), "exactly one request reached the service: the redirect was not followed");

    ToolCall same = call(alice(), new JsonObject().put("service", "bearer").put("path", "/redirect-same"));
    assertEquals("/echo/after?x=1", same.result().getString("location"));

    Http.Response r = route("GET", "bearer/redirect-other", aliceHeaders(), null);
    assertEquals(302, r.status());
    assertNull(r.header("Location"));
    assertNotNull(r.header("X-Ephyr-Redirect"));
    Http.Response s = route("GET", "bearer/redirect-same", aliceHeaders(), null);
    assertEquals("/v1/proxy/bearer/echo/after?x=1", s.header("Location"));
  }

  @Test
  void userInfoPrefixAndOriginTricksAreRefused() {
    String hp = "127.0.0.1:" + up.port;
    List<String> urls = List.of(
        "http://" + hp + ":@evil.example/echo/x",           // the original's GAP-13
        "http://" + hp + "@evil.example/echo/x",
        "http://evil.example@" + hp + "/echo/x",              // user info even toward the right host
        "http://localhost:" + up.port + ".evil.example/echo/x",
        "http://localhost.evil.example:" + up.port + "/echo/x", // prefix trick
        "http://LOCALHOST.:" + up.port + "/echo/x",           // trailing dot: not exactly the origin
        "http://" + hp + "\\@evil.example/echo/x",
        "https://" + hp + "/echo/x",                          // other scheme
        "http://127.0.0.1:" + (up.port + 1) + "/echo/x",      // other port
        "http://evil.example/echo/x",                         // no service: no open proxy
        "http://" + hp + "/echo/x",                           // several services share it: ambiguous
        "file:///etc/passwd",
        "http://" + hp + "/echo/../../etc/passwd");
    for (String u : urls) {
      ToolCall r = call(alice(), new JsonObject().put("url", u));
      assertEquals("invalid_params", r.error(), u + " -> " + r.raw());
      assertNoSecret(r.raw().body());
    }
    int before = up.seen.size();
    ToolCall named = call(alice(), new JsonObject().put("service", "bearer").put("url", "http://evil.example/echo/x"));
    assertTrue(named.result().getString("message").contains("exact"), named.raw().toString());
    assertEquals(before, up.seen.size(), "nothing reached the service");
    ToolCall ok = call(alice(), new JsonObject().put("service", "viahost").put("url",
        "http://LocalHost:" + up.port + "/echo/u"));
    assertFalse(ok.isError(), ok.raw().toString());
  }

  @Test
  void pathsOutsideTheListsAndTraversalAreRefused() {
    ToolCall outside = call(alice(), new JsonObject().put("service", "bearer").put("path", "/admin"));
    assertEquals("path_not_allowed", outside.error());
    for (String p : List.of("/echo/../admin", "/echo/%2e%2e/admin", "/echo/%2E./admin", "/echo/a%2Fb",
        "/echo/a%5cb", "/echo//x", "//evil.example/echo", "/echo/..;/admin", "/echo/%252e%252e/admin", "/echo/%00",
        "echo/x", "/echo/x#frag", "/echo/\u00e9")) {
      ToolCall r = call(alice(), new JsonObject().put("service", "bearer").put("path", p));
      assertEquals("invalid_params", r.error(), p + " -> " + r.raw());
    }
    Http.Response enc = route("GET", "bearer/echo/%2e%2e/admin", aliceHeaders(), null);
    assertEquals(400, enc.status(), enc.toString());
    assertEquals("bad_path", enc.json().getString("error"));
    Http.Response slash = route("GET", "bearer/echo/a%2fb", aliceHeaders(), null);
    assertEquals(400, slash.status());
    Http.Response out = route("GET", "bearer/admin", aliceHeaders(), null);
    assertEquals(403, out.status());
    assertEquals("path_not_allowed", out.json().getString("error"));
  }

  @Test
  void methodsOutsideTheListsAreRefused() {
    // DELETE: in alice's grant, not in the service's methods.
    ToolCall del = call(alice(), new JsonObject().put("service", "bearer").put("method", "DELETE")
        .put("path", "/echo/x"));
    assertEquals("method_not_allowed", del.error());
    assertTrue(del.result().getString("message").contains("service 'bearer'"));
    // PATCH: not in alice's grant at all.
    ToolCall patch = call(alice(), new JsonObject().put("service", "bearer").put("method", "PATCH")
        .put("path", "/echo/x").put("body", "{}"));
    assertEquals("method_not_allowed", patch.error());
    Http.Response r = route("DELETE", "bearer/echo/x", aliceHeaders(), null);
    assertEquals(403, r.status());
  }

  @Test
  void aTaskWhoseEnvelopeLacksTheServiceIsRefused() {
    JsonObject task = alice().ok("task_create", new JsonObject().put("description", "read echo")
        .put("envelope", new JsonObject().put("services", new JsonArray().add("bearer"))
            .put("methods", new JsonArray().add("GET"))));
    String token = task.getString("token");
    McpClient t = McpClient.bearer(node.mcpUrl(), token);
    ToolCall ok = call(t, new JsonObject().put("service", "bearer").put("path", "/echo/t"));
    assertFalse(ok.isError(), ok.raw().toString());
    ToolCall other = call(t, new JsonObject().put("service", "header").put("path", "/echo/t"));
    assertEquals("service_not_allowed", other.error());
    assertTrue(other.result().getString("message").contains("envelope"));
    ToolCall post = call(t, new JsonObject().put("service", "bearer").put("method", "POST").put("path", "/echo/t")
        .put("body", "x"));
    assertEquals("method_not_allowed", post.error());
    JsonObject listed = t.ok("list_services", null);
    assertEquals(1, listed.getJsonArray("services").size(), listed.encode());
    assertEquals("bearer", listed.getJsonArray("services").getJsonObject(0).getString("name"));
    assertEquals(new JsonArray().add("GET"), listed.getJsonArray("services").getJsonObject(0).getJsonArray("methods"));

    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + token);
    assertEquals(200, route("GET", "bearer/echo/t", h, null).status());
    Http.Response denied = route("GET", "header/echo/t", h, null);
    assertEquals(403, denied.status());
    assertEquals("service_not_allowed", denied.json().getString("error"));

    // An agent with no services sees no proxy tools; one that must use a task is refused with its key.
    JsonObject tools = McpClient.bearer(node.mcpUrl(), kit.bobKey).rpc("tools/list", null).json()
        .getJsonObject("result");
    assertFalse(tools.encode().contains("http_request"));
    ToolCall carol = call(McpClient.bearer(node.mcpUrl(), kit.carolKey),
        new JsonObject().put("service", "bearer").put("path", "/echo/x"));
    assertEquals("task_required", carol.error());
  }

  @Test
  void addressesOutsideTheNetworkPolicyAreRefused() {
    int before = up.seen.size();
    Map<String, String> expect = new LinkedHashMap<>();
    expect.put("noprivate", "loopback");
    expect.put("localhost", "loopback");
    expect.put("decimal", "loopback");
    expect.put("mapped", "loopback");
    expect.put("v6loop", "loopback");
    expect.put("metadata", "metadata");
    expect.put("zero", "unspecified");
    for (Map.Entry<String, String> e : expect.entrySet()) {
      ToolCall r = call(alice(), new JsonObject().put("service", e.getKey()).put("path", "/echo/x"));
      assertEquals("address_denied", r.error(), e.getKey() + " -> " + r.raw());
      assertTrue(r.result().getString("message").contains(e.getValue()), r.raw().toString());
      Http.Response g = route("GET", e.getKey() + "/echo/x", aliceHeaders(), null);
      assertEquals(403, g.status(), e.getKey() + " -> " + g);
      assertEquals("address_denied", g.json().getString("error"));
    }
    assertEquals(before, up.seen.size(), "no refused request reached the service");
    // With allow_private, a name is resolved, checked and pinned; the service still sees its own host name.
    ToolCall ok = call(alice(), new JsonObject().put("service", "viahost").put("path", "/echo/pinned"));
    assertFalse(ok.isError(), ok.raw().toString());
    assertEquals("localhost:" + up.port, up.last().header("Host"));
  }

  @Test
  void oversizeResponsesAreCapped() {
    ToolCall r = call(alice(), new JsonObject().put("service", "small").put("path", "/big"));
    assertFalse(r.isError(), r.raw().toString());
    assertTrue(r.result().getBoolean("truncated"));
    assertEquals(1024, r.result().getInteger("bytes"));
    Http.Response cl = route("GET", "small/big-cl", aliceHeaders(), null);
    assertEquals(502, cl.status(), cl.toString());
    assertEquals("response_too_large", cl.json().getString("error"));
    // Chunked and over the cap after the headers went out: the connection is cut, never silently short.
    boolean cut;
    try {
      Http.Response chunked = route("GET", "small/big", aliceHeaders(), null);
      cut = chunked.body().length() <= 1024 && chunked.status() != 200;
    } catch (RuntimeException e) {
      cut = true;
    }
    assertTrue(cut, "a capped chunked response must end in an error");
    assertTrue(node.metrics().count("ephyr_proxy_requests_total", "service", "small", "front", "route",
        "outcome", "response_too_large") >= 1);
  }

  @Test
  void refusalsAreClearAndNeverQuoteSecrets() {
    ToolCall unknown = call(alice(), new JsonObject().put("service", "nosuch").put("path", "/"));
    assertEquals("unknown_service", unknown.error());
    ToolCall unset = call(alice(), new JsonObject().put("service", "unset").put("path", "/echo/x"));
    assertEquals("credential_unavailable", unset.error());
    assertFalse(unset.raw().body().contains("EPHYR_PROXY_TEST_NEVER_SET"), "the agent needs no operator detail");
    ToolCall closed = call(alice(), new JsonObject().put("service", "closed").put("path", "/"));
    assertEquals("upstream_unreachable", closed.error(), closed.raw().toString());
    assertEquals(502, route("GET", "closed/", aliceHeaders(), null).status());
    Http.Response none = route("GET", "bearer/echo/x", Map.of(), null);
    assertEquals(401, none.status());
    Http.Response noService = Http.get(node.publicUrl() + "/v1/proxy/", aliceHeaders());
    assertEquals(404, noService.status());
    Http.Response q = route("GET", "query/echo/x?access_token=mine", aliceHeaders(), null);
    assertEquals(400, q.status(), "an agent cannot set the credential's query parameter");
  }

  @Test
  void aServiceThatDoesNotAnswerTimesOut() {
    ToolCall r = call(alice(), new JsonObject().put("service", "slow").put("path", "/slow"));
    assertEquals("upstream_timeout", r.error(), r.raw().toString());
    Http.Response g = route("GET", "slow/slow", aliceHeaders(), null);
    assertEquals(504, g.status(), g.toString());
    assertEquals("upstream_timeout", g.json().getString("error"));
  }

  @Test
  void aBoundTaskSendsItsBodyUnderTheProofAndATamperedBodyIsRefused() {
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    String token = alice().ok("task_create", new JsonObject().put("description", "bound")
        .put("holder_jkt", key.jkt())).getString("token");
    String url = node.publicUrl() + "/v1/proxy/bearer/echo/bound";
    byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "DPoP " + token);
    h.put("Content-Type", "application/json");
    h.put("DPoP", DpopProofBuilder.forKey(key).method("POST").url(url).accessToken(token).body(body).build());
    Http.Response ok = Http.send("POST", url, h, body);
    assertEquals(200, ok.status(), ok.toString());
    assertEquals("{\"a\":1}", up.last().body());
    assertNull(up.last().header("DPoP"), "the agent's proof stays at the broker");
    assertEquals("Bearer " + SECRETS.get("bearer"), up.last().header("Authorization"));

    int before = up.seen.size();
    h.put("DPoP", DpopProofBuilder.forKey(key).method("POST").url(url).accessToken(token).body(body).build());
    Http.Response tampered = Http.send("POST", url, h, "{\"a\":2}".getBytes(StandardCharsets.UTF_8));
    assertEquals(401, tampered.status(), tampered.toString());
    assertEquals(before, up.seen.size(), "a body the proof does not sign never reaches the service");
    h.remove("DPoP");
    Http.Response unproven = Http.send("POST", url, h, body);
    assertEquals(401, unproven.status(), unproven.toString());
  }

  /** Runs last: it changes the policy. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aPolicyChangeNarrowsTheNextCallOfALiveToken() throws Exception {
    String token = alice().ok("task_create", new JsonObject().put("description", "before the change")
        .put("envelope", new JsonObject().put("services", new JsonArray().add("bearer").add("basic"))))
        .getString("token");
    McpClient t = McpClient.bearer(node.mcpUrl(), token);
    assertFalse(call(t, new JsonObject().put("service", "bearer").put("path", "/echo/p")).isError());
    // alice loses bearer; the service basic disappears from the policy altogether.
    String changed = policy().replace("    services: \"*\"\n    methods: [GET, HEAD, POST, PUT, DELETE]",
        "    services: [header, query]\n    methods: [GET, HEAD, POST, PUT, DELETE]");
    changed = changed.replace(changed.substring(changed.indexOf("  basic:\n"), changed.indexOf("  header:\n")), "");
    assertTrue(changed.contains("services: [header, query]") && !changed.contains("  basic:"), changed);
    Files.writeString(kit.dir.resolve("policy.yaml"), changed);
    node.reloadPolicy().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals("service_not_allowed", call(t, new JsonObject().put("service", "bearer").put("path", "/echo/p"))
        .error());
    assertEquals("unknown_service", call(t, new JsonObject().put("service", "basic").put("path", "/echo/p"))
        .error());
    assertEquals(403, route("GET", "bearer/echo/p", aliceHeaders(), null).status());
    assertEquals(0, t.ok("list_services", null).getJsonArray("services").size());
  }

  @Test
  void auditNamesTheServiceAndNeverHoldsASecret() {
    call(alice(), new JsonObject().put("service", "bearer").put("path", "/echo/audit"));
    route("GET", "basic/echo/audit", aliceHeaders(), null);
    call(alice(), new JsonObject().put("service", "noprivate").put("path", "/echo/audit"));
    Eventually.await(Duration.ofSeconds(10), "audit events (seen " + AUDIT.size() + ")", () -> {
      List<String> all = new ArrayList<>(AUDIT);
      return all.stream().anyMatch(a -> a.contains("service:bearer") && a.contains("http_request"))
          && all.stream().anyMatch(a -> a.contains("service:basic") && a.contains("/v1/proxy/basic"))
          && all.stream().anyMatch(a -> a.contains("service:noprivate") && a.contains("address_denied"));
    });
    for (String a : AUDIT) {
      assertNoSecret(a);
      assertFalse(a.contains(kit.aliceKey));
    }
  }
}
