package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.policy.Policy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine without a node: a secret from an environment variable, each secret's matcher built once (and
 * again when the secret changes), and TLS to a name while connecting to the pinned address — SNI and certificate checks must still use the service's host name (the original
 * pinned by rewriting the URL to the IP, which broke both).
 */
class UpstreamTest {
  private static Vertx vertx;
  private static Path dir;
  private static final ConcurrentLinkedQueue<String> SEEN = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory(Path.of("target"), "upstream-test");
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Policy policy(String services) throws Exception {
    return Policy.parse(String.join("\n", "version: 1", "agents:", "  alice:",
        "    api_keys: [\"sha256:" + "ab".repeat(32) + "\"]", "    services: \"*\"", "    methods: [GET]",
        "services:", services, ""), "test.yaml");
  }

  private static <T> T onContext(Context ctx, java.util.concurrent.Callable<Future<T>> f) throws Exception {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    ctx.runOnContext(v -> {
      try {
        f.call().onComplete(p);
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future().await(20, TimeUnit.SECONDS);
  }

  /** Sends GET {@code path} to {@code service} through a fresh engine; the status, or the refusal code. */
  private static String get(Upstream up, Policy policy, String service, String path) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Caller caller = new Caller.AgentKey(policy.agent("alice").orElseThrow());
    RequestTarget t = ((RequestTarget.Valid) RequestTarget.parse(path)).target();
    Upstream.Checking c = up.check(caller, service, "GET", t, MultiMap.caseInsensitiveMultiMap());
    Upstream.Checked checked = assertInstanceOf(Upstream.Checked.class, c);
    try {
      HttpClientResponse res = onContext(ctx, () -> up.open(checked, ctx, java.time.Duration.ofSeconds(10))
          .compose(call -> call.request.send().onComplete(ar -> call.finish())));
      return String.valueOf(res.statusCode());
    } catch (RefusedException e) {
      return e.refusal().code();
    }
  }

  @Test
  void secretFromTheEnvironment() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      SEEN.add(String.valueOf(req.getHeader("X-Token")));
      req.response().end("ok");
    });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    Policy p = policy(String.join("\n", "  env:", "    origin: http://127.0.0.1:" + port,
        "    auth: { type: header, name: X-Token, secret_env: SVC_TOKEN }", "    allow_private: true"));
    Upstream up = new Upstream(vertx, () -> p, Map.of("SVC_TOKEN", "from-the-environment"), new Metrics());
    assertEquals("200", get(up, p, "env", "/x"));
    assertTrue(SEEN.contains("from-the-environment"));
    Upstream missing = new Upstream(vertx, () -> p, Map.of(), new Metrics());
    assertEquals("credential_unavailable", get(missing, p, "env", "/x"));
    server.close();
  }

  /** Opens GET {@code path} to {@code service}, sends it and waits for the answer; the call. */
  private static Upstream.Call call(Upstream up, Policy policy, String service, String path) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Caller caller = new Caller.AgentKey(policy.agent("alice").orElseThrow());
    RequestTarget t = ((RequestTarget.Valid) RequestTarget.parse(path)).target();
    Upstream.Checked checked = assertInstanceOf(Upstream.Checked.class,
        up.check(caller, service, "GET", t, MultiMap.caseInsensitiveMultiMap()));
    return onContext(ctx, () -> up.open(checked, ctx, java.time.Duration.ofSeconds(10))
        .compose(call -> call.request.send().compose(HttpClientResponse::body)
            .map(body -> {
              call.finish();
              return call;
            })));
  }

  @Test
  void eachSecretsMatcherIsBuiltOnceAndRebuiltWhenTheFileChanges() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().end("ok"));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    Path file = dir.resolve("rotating-secret");
    Files.writeString(file, "first-secret-value\n");
    Policy p = policy(String.join("\n", "  file:", "    origin: http://127.0.0.1:" + port,
        "    auth: { type: basic, username: bot, secret_file: " + file.toAbsolutePath() + " }",
        "    allow_private: true",
        "  env:", "    origin: http://127.0.0.1:" + port,
        "    auth: { type: bearer, secret_env: SVC_TOKEN }", "    allow_private: true"));
    Upstream up = new Upstream(vertx, () -> p, Map.of("SVC_TOKEN", "from-the-environment"), new Metrics());
    SecretMatcher first = call(up, p, "file", "/a").redactor.matcher();
    SecretMatcher env = call(up, p, "env", "/a").redactor.matcher();
    for (int i = 0; i < 3; i++) { // the file read again after the cache's TTL still gives the same matcher
      assertSame(first, call(up, p, "file", "/b").redactor.matcher(), "request " + i);
      assertSame(env, call(up, p, "env", "/b").redactor.matcher(), "request " + i);
    }
    assertEquals("x [redacted] y", first.scrub("x first-secret-value y"));
    assertFalse(first.toString().contains("first-secret"));

    Files.writeString(file, "second-secret-value\n");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    SecretMatcher second = first;
    while (second == first && System.nanoTime() < deadline) { // picked up once the cached value expires
      second = call(up, p, "file", "/c").redactor.matcher();
    }
    assertNotSame(first, second, "a changed secret gets a new matcher");
    assertEquals("x [redacted] y", second.scrub("x second-secret-value y"));
    String basic = java.util.Base64.getEncoder().encodeToString("bot:second-secret-value".getBytes());
    assertEquals("[redacted]", second.scrub(basic));
    assertSame(second, call(up, p, "file", "/d").redactor.matcher());
    server.close();
  }

  @Test
  void tlsVerifiesTheServiceNameWhileConnectingToThePinnedAddress() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    openssl(cert, key, "localhost");
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString())))
        .requestHandler(req -> {
          SEEN.add("sni=" + req.connection().indicatedServerName() + " host=" + req.authority());
          req.response().end("tls");
        });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    Policy p = policy(String.join("\n",
        "  named:", "    origin: https://localhost:" + port, "    allow_private: true",
        "  byip:", "    origin: https://127.0.0.1:" + port, "    allow_private: true"));
    Upstream up = new Upstream(vertx, () -> p, Map.of(), new Metrics(),
        new PemTrustOptions().addCertPath(cert.toString()));
    assertEquals("200", get(up, p, "named", "/x"));
    assertTrue(SEEN.contains("sni=localhost host=localhost:" + port), SEEN.toString());
    // The certificate names localhost, not 127.0.0.1: verification is on and uses the service's host.
    assertEquals("upstream_tls", get(up, p, "byip", "/x"));
    // And a trusted certificate for another name is refused too.
    Path other = dir.resolve("other.pem");
    Path otherKey = dir.resolve("other-key.pem");
    openssl(other, otherKey, "other.example");
    HttpServer wrong = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(other.toString()).setKeyPath(otherKey.toString())))
        .requestHandler(req -> req.response().end("wrong"));
    int wrongPort = wrong.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    Policy p2 = policy(String.join("\n", "  wrong:", "    origin: https://localhost:" + wrongPort,
        "    allow_private: true"));
    Upstream up2 = new Upstream(vertx, () -> p2, Map.of(), new Metrics(),
        new PemTrustOptions().addCertPath(cert.toString()).addCertPath(other.toString()));
    assertEquals("upstream_tls", get(up2, p2, "wrong", "/x"));
    server.close();
    wrong.close();
  }

  private static void openssl(Path cert, Path key, String name) throws Exception {
    Process proc;
    try {
      proc = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
          "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name)).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("openssl is required under CI=true (apt-get install openssl)", e);
      }
      Assumptions.assumeTrue(false, "openssl is not installed (apt-get install openssl)");
      return;
    }
    proc.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertTrue(proc.waitFor(60, TimeUnit.SECONDS) && proc.exitValue() == 0, "openssl failed");
  }
}
