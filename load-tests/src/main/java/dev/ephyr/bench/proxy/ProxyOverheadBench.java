package dev.ephyr.bench.proxy;

import dev.ephyr.bench.BenchNode;
import dev.ephyr.bench.HazelcastBench;
import dev.ephyr.broker.boot.Node;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Latency of one small GET to a local HTTP service, directly and through a one-node broker: the
 * {@code /v1/proxy} route (API key) and the {@code http_request} MCP tool. Same client, same service, same
 * run; the difference is the proxy's cost (authentication, policy checks, resolution and network policy,
 * secret read, credential injection, header rules, redaction, audit, one extra loopback hop).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProxyOverheadBench extends HazelcastBench {
  private static final Buffer PAYLOAD = Buffer.buffer("{\"ok\":true,\"items\":[1,2,3]}");

  private Vertx upstreamVertx;
  private BenchNode bench;
  private Node node;
  private HttpClient client;
  private HttpRequest direct;
  private HttpRequest viaRoute;
  private HttpRequest viaTool;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    upstreamVertx = Vertx.vertx();
    HttpServer server = upstreamVertx.createHttpServer().requestHandler(req ->
        req.response().putHeader("Content-Type", "application/json").end(PAYLOAD));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    bench = BenchNode.prepare("ephyr-proxy-bench");
    Files.writeString(bench.dir.resolve("svc.secret"), "bench-service-token-0123456789\n");
    String key = bench.apiKey;
    node = bench.start(List.of("services: [svc]", "methods: [GET]"), List.of(
        "services:",
        "  svc:",
        "    origin: http://127.0.0.1:" + port,
        "    auth: { type: bearer, secret_file: " + bench.dir.resolve("svc.secret") + " }",
        "    allow_private: true"), Map.of());

    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/items?limit=3")).GET().build();
    viaRoute = HttpRequest.newBuilder(URI.create(node.publicUrl() + "/v1/proxy/svc/api/items?limit=3"))
        .header("Authorization", "Bearer " + key).GET().build();
    String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"http_request\","
        + "\"arguments\":{\"service\":\"svc\",\"path\":\"/api/items?limit=3\"}}}";
    viaTool = HttpRequest.newBuilder(URI.create(node.mcpUrl()))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-06-18")
        .POST(HttpRequest.BodyPublishers.ofString(call)).build();
    check(send(direct), "\"ok\"");
    check(send(viaRoute), "\"ok\"");
    check(send(viaTool), "\"status\"");
  }

  private static void check(String body, String expected) {
    if (!body.contains(expected)) {
      throw new IllegalStateException("unexpected answer: " + body);
    }
  }

  private String send(HttpRequest r) throws Exception {
    HttpResponse<String> res = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (res.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + res.statusCode() + ": " + res.body());
    }
    return res.body();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bench.close();
    upstreamVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The baseline: the same request straight to the service. */
  @Benchmark
  public String direct() throws Exception {
    return send(direct);
  }

  /** Through {@code /v1/proxy/svc/...} with the agent's API key. */
  @Benchmark
  public String route() throws Exception {
    return send(viaRoute);
  }

  /** Through the MCP tool {@code http_request} (JSON-RPC in, the response as a JSON tool result out). */
  @Benchmark
  public String tool() throws Exception {
    return send(viaTool);
  }

}
