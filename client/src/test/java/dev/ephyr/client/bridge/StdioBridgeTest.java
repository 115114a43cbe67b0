package dev.ephyr.client.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.ProofSigner;
import dev.ephyr.client.TaskClient;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stdio bridge against a small HTTP endpoint that behaves like a node where it matters here: it demands
 * a DPoP nonce, streams a long call as SSE (progress first), needs the cancellation to arrive while that call
 * is still running, and checks that the session and the negotiated protocol version (one no node knows) come
 * back on later requests.
 */
class StdioBridgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = "2099-01-01";

  @TempDir Path dir;
  private HttpServer node;
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final List<String> nonces = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (node != null) {
      node.stop(0);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      JsonNode msg = JSON.readTree(body);
      String proof = ex.getRequestHeaders().getFirst("DPoP");
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(proof.split("\\.")[1]));
      if (!claims.has("nonce")) {
        ex.getResponseHeaders().add("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\"");
        ex.getResponseHeaders().add("DPoP-Nonce", "nonce-1");
        reply(ex, 401, "application/json", "{\"error\":\"pop_nonce_required\",\"message\":\"nonce\"}");
        return;
      }
      nonces.add(claims.get("nonce").asText());
      String method = msg.path("method").asText();
      if (!method.equals("initialize")) {
        if (!VERSION.equals(ex.getRequestHeaders().getFirst("MCP-Protocol-Version"))
            || !"s-1".equals(ex.getRequestHeaders().getFirst("Mcp-Session-Id"))) {
          problems.add(method + " came without the session or the negotiated version");
        }
      }
      switch (method) {
        case "initialize":
          ex.getResponseHeaders().add("Mcp-Session-Id", "s-1");
          reply(ex, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":" + msg.get("id")
              + ",\"result\":{\"protocolVersion\":\"" + VERSION + "\",\"capabilities\":{},\"serverInfo\":{\"name\":\"n\"}}}");
          return;
        case "notifications/cancelled":
          cancelled.countDown();
          ex.sendResponseHeaders(202, -1);
          return;
        case "notifications/initialized":
          ex.sendResponseHeaders(202, -1);
          return;
        case "tools/call":
          ex.getResponseHeaders().add("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          OutputStream out = ex.getResponseBody();
          out.write(("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":"
              + "{\"progressToken\":\"p\",\"progress\":1}}\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          boolean gotCancel;
          try {
            gotCancel = cancelled.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          // A result spread over two data lines: the bridge must put it on one stdout line.
          out.write(("data: {\"jsonrpc\":\"2.0\",\"id\":" + msg.get("id") + ",\n"
              + "data: \"result\":{\"content\":[],\"cancelSeen\":" + gotCancel + "}}\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          return;
        default:
          reply(ex, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":" + msg.get("id") + ",\"result\":{}}");
      }
    }
  }

  private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Test
  void streamsPassThrough_cancelReachesTheNodeMidCall_andSessionAndVersionFollow() throws Exception {
    node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    node.createContext("/mcp", this::handle);
    node.setExecutor(Executors.newCachedThreadPool());
    node.start();
    String url = "http://127.0.0.1:" + node.getAddress().getPort() + "/mcp";

    SecureRandom random = new SecureRandom();
    HolderKeyPair key = HolderKeyPair.generate(random);
    String bound = new TokenMinter(Keyring.generate("k1", random)).mintRoot(new TaskGrant(
        UlidGenerator.systemDefault().next(), 0, "alice", "urn:ephyr:agent:alice", key.jkt(), null,
        Envelope.builder().expiresAt(System.currentTimeMillis() / 1000 + 600).build()));
    BrokerTransport transport = BrokerTransport.create(List.of(url), new ProofSigner(key, random),
        Duration.ofSeconds(3), Duration.ofSeconds(30), null);
    List<String> log = new CopyOnWriteArrayList<>();
    TokenGate gate = ((TokenGate.Opened.Usable) TokenGate.open(bound, key.jkt(),
        new BoundTokenStore(dir.resolve("state")), new TaskClient(transport), log::add)).gate();
    StdioBridge bridge = new StdioBridge(gate, transport, log::add, 4);

    PipedOutputStream toBridge = new PipedOutputStream();
    PipedInputStream bridgeIn = new PipedInputStream(toBridge, 1 << 16);
    PipedInputStream fromBridge = new PipedInputStream(1 << 16);
    PipedOutputStream bridgeOut = new PipedOutputStream(fromBridge);
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
      try {
        return bridge.run(bridgeIn, bridgeOut);
      } catch (InterruptedException e) {
        return -1;
      }
    });
    BufferedReader out = new BufferedReader(new InputStreamReader(fromBridge, StandardCharsets.UTF_8));

    send(toBridge, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + VERSION
        + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    assertEquals(VERSION, JSON.readTree(out.readLine()).path("result").path("protocolVersion").asText());
    send(toBridge, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    send(toBridge, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
        + "\"_meta\":{\"progressToken\":\"p\"}}}");
    JsonNode progress = JSON.readTree(out.readLine());
    assertEquals("notifications/progress", progress.path("method").asText(), progress.toString());
    // The call is still running on the node; the cancellation must get there now, not after it.
    send(toBridge, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":2}}");
    JsonNode result = JSON.readTree(out.readLine());
    assertEquals(2, result.path("id").asInt(), result.toString());
    assertTrue(result.path("result").path("cancelSeen").asBoolean(), "the node never saw the cancellation in time");
    send(toBridge, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
    assertEquals(3, JSON.readTree(out.readLine()).path("id").asInt());

    toBridge.close();
    assertEquals(ExitCodes.OK, exit.get(20, TimeUnit.SECONDS));
    assertEquals(List.of(), problems);
    assertTrue(nonces.size() >= 4 && nonces.stream().allMatch("nonce-1"::equals), "nonces: " + nonces);
  }

  private static void send(OutputStream to, String line) throws IOException {
    to.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    to.flush();
  }
}
