package dev.ephyr.bench.federation;

import dev.ephyr.bench.BenchNode;
import dev.ephyr.bench.HazelcastBench;
import dev.ephyr.broker.boot.Node;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * What federation adds to a tool call: the same {@code tools/call} of a tiny loopback MCP server, sent
 * directly, and sent through a one-node broker as {@code up.echo} with a task token (verification, envelope
 * and policy checks, forwarding with the injected credential, result mapping). Same client, same upstream,
 * same run; SampleTime gives the medians. {@link #brokerLocalTool} separates the broker's own share.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FederationBench extends HazelcastBench {
  private TinyMcpUpstream upstream;
  private BenchNode bench;
  private Node node;
  private HttpClient client;
  private String token;
  private String brokerSession;
  private HttpRequest direct;
  private HttpRequest federated;
  private HttpRequest local;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    upstream = new TinyMcpUpstream();
    bench = BenchNode.prepare("ephyr-fed-bench");
    Files.writeString(bench.dir.resolve("up.token"), "bench-secret");
    node = bench.start(List.of("remotes: [up]", "tools: [\"up.*\"]"), List.of(
        "remotes:",
        "  up:",
        "    url: " + upstream.url(),
        "    auth: { type: bearer, secret_file: " + bench.dir.resolve("up.token") + " }",
        "    allow_private: true"), Map.of());
    String apiKey = bench.apiKey;
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    // A task token for the agent, and a broker session.
    String init = rpc("initialize", new JsonObject().put("protocolVersion", "2025-06-18")
        .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "b").put("version", "1")));
    HttpResponse<String> r = send(post(node.mcpUrl(), apiKey, null, init));
    brokerSession = r.headers().firstValue("Mcp-Session-Id").orElse(null);
    String create = rpc("tools/call", new JsonObject().put("name", "task_create").put("arguments",
        new JsonObject().put("ttl", 3600)));
    token = new JsonObject(send(post(node.mcpUrl(), apiKey, brokerSession, create)).body())
        .getJsonObject("result").getJsonObject("structuredContent").getString("token");
    while (!send(post(node.mcpUrl(), token, brokerSession, rpc("tools/list", new JsonObject()))).body()
        .contains("up__echo")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("remote not discovered");
      }
      Thread.sleep(50);
    }
    // The direct path gets its own upstream session, as the broker has its own.
    HttpResponse<String> d = send(post(upstream.url(), "bench-secret", null, init));
    String upstreamSession = d.headers().firstValue("Mcp-Session-Id").orElseThrow();
    direct = post(upstream.url(), "bench-secret", upstreamSession, call("echo"));
    federated = post(node.mcpUrl(), token, brokerSession, call("up__echo"));
    local = post(node.mcpUrl(), token, brokerSession, rpc("tools/call", new JsonObject().put("name", "list_remotes")
        .put("arguments", new JsonObject())));
    check(send(direct));
    check(send(federated));
    checkLocal(send(local));
  }

  private static String checkLocal(HttpResponse<String> r) {
    if (r.statusCode() != 200 || !r.body().contains("\"up\"")) {
      throw new IllegalStateException("unexpected answer: " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static String rpc(String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", method).put("params", params).encode();
  }

  private static String call(String tool) {
    return rpc("tools/call", new JsonObject().put("name", tool).put("arguments",
        new JsonObject().put("text", "hello from the benchmark")));
  }

  private static HttpRequest post(String url, String bearer, String session, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-06-18").header("Authorization", "Bearer " + bearer)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      b.header("Mcp-Session-Id", session);
    }
    return b.build();
  }

  private HttpResponse<String> send(HttpRequest r) throws Exception {
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static String check(HttpResponse<String> r) {
    if (r.statusCode() != 200 || !r.body().contains("hello from the benchmark")) {
      throw new IllegalStateException("unexpected answer: " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bench.close();
    upstream.close();
  }

  /** The upstream's tools/call, straight. */
  @Benchmark
  public String direct() throws Exception {
    return check(send(direct));
  }

  /**
   * A tool the broker answers itself ({@code list_remotes}) with the same token and session: the broker's
   * own share (authentication, session, dispatch, audit), so federated − local is the forwarding.
   */
  @Benchmark
  public String brokerLocalTool() throws Exception {
    return checkLocal(send(local));
  }

  /** The same call as a federated tool through the broker. */
  @Benchmark
  public String federated() throws Exception {
    return check(send(federated));
  }
}
