package dev.ephyr.client.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The loopback Streamable HTTP side of {@code ephyr connect --listen}: {@code /mcp} on a loopback address,
 * guarded by a random bearer made for this run (so other local users and web pages cannot ride on the bound
 * token), forwarding each request to the broker with the bound token and a fresh proof, and copying the
 * answer back as it streams.
 */
public final class LoopbackBridge implements AutoCloseable {
  private static final int MAX_BODY = 4 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FORWARDED = List.of("Accept", "Content-Type", "Mcp-Session-Id",
      "MCP-Protocol-Version", "Last-Event-ID");
  private static final List<String> RETURNED = List.of("Content-Type", "Mcp-Session-Id", "Cache-Control");
  private static final Set<String> REPEATABLE = Set.of("initialize", "ping", "tools/list", "resources/list",
      "resources/read", "resources/templates/list", "prompts/list", "prompts/get");

  private final HttpServer server;
  private final ExecutorService executor;
  private final Forwarder forwarder;
  private final Consumer<String> log;
  private final byte[] bearer;
  private final String bearerText;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  private LoopbackBridge(HttpServer server, ExecutorService executor, Forwarder forwarder, Consumer<String> log,
      String bearerText) {
    this.server = server;
    this.executor = executor;
    this.forwarder = forwarder;
    this.log = log;
    this.bearerText = bearerText;
    this.bearer = ("Bearer " + bearerText).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Starts serving on {@code host:port} (a loopback address; port 0 picks one).
   *
   * @throws IOException if the address is not loopback or cannot be bound
   */
  public static LoopbackBridge start(String host, int port, TokenGate gate, BrokerTransport transport,
      Consumer<String> log, SecureRandom random, int concurrency) throws IOException {
    InetAddress addr = InetAddress.getByName(host);
    if (!addr.isLoopbackAddress()) {
      throw new IOException(host + " is not a loopback address; the bridge only listens on loopback");
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String bearer = "eb_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    HttpServer server = HttpServer.create(new InetSocketAddress(addr, port), 64);
    ExecutorService ex = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "ephyr-connect-http");
      t.setDaemon(true);
      return t;
    });
    LoopbackBridge bridge = new LoopbackBridge(server, ex, new Forwarder(gate, transport, log), log, bearer);
    server.createContext("/mcp", bridge::handle);
    server.setExecutor(ex);
    server.start();
    return bridge;
  }

  /** The endpoint URL clients use. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/mcp";
  }

  /** The bearer clients must send ({@code Authorization: Bearer …}); made fresh for every run. */
  public String bearer() {
    return bearerText;
  }

  /** Completes with {@link ExitCodes#TOKEN_REFUSED} when the token is refused for good. */
  public CompletableFuture<Integer> exit() {
    return exit;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), bearer)) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"ephyr-connect\"");
        plain(ex, 401, "send the bearer ephyr connect printed at start");
        return;
      }
      String method = ex.getRequestMethod();
      if (!method.equals("POST") && !method.equals("GET") && !method.equals("DELETE")) {
        plain(ex, 405, "POST, GET or DELETE");
        return;
      }
      byte[] body = null;
      if (method.equals("POST")) {
        try (InputStream in = ex.getRequestBody()) {
          body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
          plain(ex, 413, "body larger than " + MAX_BODY + " bytes");
          return;
        }
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h : FORWARDED) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          headers.put(h, v);
        }
      }
      Forwarder.Result r;
      try {
        r = forwarder.forward(method, body, headers, repeat(method, body));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        plain(ex, 503, "stopping");
        return;
      }
      if (r instanceof Forwarder.Result.Refused ref) {
        Refusal x = ref.refusal();
        byte[] b = JSON.createObjectNode().put("error", x.code()).put("message", x.message()).put("hint", x.hint())
            .toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(x.status() == 0 ? 403 : x.status(), b.length);
        ex.getResponseBody().write(b);
        ex.getResponseBody().flush();
        if (x.terminal()) {
          exit.complete(ExitCodes.TOKEN_REFUSED);
        }
        return;
      }
      if (r instanceof Forwarder.Result.Failed f) {
        plain(ex, 502, f.message());
        return;
      }
      BrokerTransport.Outcome.Answered a = ((Forwarder.Result.Answer) r).answer();
      for (String h : RETURNED) {
        String v = a.header(h);
        if (v != null) {
          ex.getResponseHeaders().add(h, v);
        }
      }
      try (InputStream in = a.body()) {
        long length = a.headers().firstValueAsLong("Content-Length").orElse(-1);
        boolean empty = length == 0 || a.status() == 202 || a.status() == 204;
        ex.sendResponseHeaders(a.status(), empty ? -1 : length > 0 ? length : 0);
        if (!empty) {
          OutputStream out = ex.getResponseBody();
          byte[] buf = new byte[8192];
          int n;
          while ((n = in.read(buf)) != -1) {
            out.write(buf, 0, n);
            out.flush(); // SSE events reach the client as they arrive
          }
        }
      }
    } catch (IOException e) {
      log.accept("a loopback request broke off: " + e.getClass().getSimpleName());
    }
  }

  private static BrokerTransport.Repeat repeat(String method, byte[] body) {
    if (!method.equals("POST")) {
      return BrokerTransport.Repeat.SAFE;
    }
    try {
      JsonNode n = JSON.readTree(body);
      for (JsonNode m : n.isArray() ? n : List.of(n)) {
        String name = m.path("method").asText(null);
        if (name != null && !REPEATABLE.contains(name) && !name.startsWith("notifications/")) {
          return BrokerTransport.Repeat.NEVER_AFTER_SEND;
        }
      }
      return BrokerTransport.Repeat.SAFE;
    } catch (IOException | RuntimeException e) {
      return BrokerTransport.Repeat.NEVER_AFTER_SEND;
    }
  }

  private static void plain(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = JSON.createObjectNode().put("error", "bridge").put("message", text).toString()
        .getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "LoopbackBridge[" + url() + ", bearer=redacted]";
  }
}
