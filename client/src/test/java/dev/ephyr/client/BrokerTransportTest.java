package dev.ephyr.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Failover goes to the next node when a node cannot be reached or is cut off, and never when it refuses. */
class BrokerTransportTest {
  private final List<HttpServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  private HttpServer node(AtomicInteger hits, AtomicReference<String> answer, int[] status) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    s.createContext("/mcp", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        hits.incrementAndGet();
        byte[] b = answer.get().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status[0], b.length);
        ex.getResponseBody().write(b);
      }
    });
    s.start();
    servers.add(s);
    return s;
  }

  private static String url(HttpServer s) {
    return "http://127.0.0.1:" + s.getAddress().getPort() + "/mcp";
  }

  @Test
  void refusalsStayOnTheNode_unreachableAndCutOffNodesAreLeft() throws Exception {
    AtomicInteger hitsA = new AtomicInteger();
    AtomicInteger hitsB = new AtomicInteger();
    AtomicReference<String> answerA = new AtomicReference<>("{\"error\":\"revoked\",\"message\":\"gone\"}");
    int[] statusA = {401};
    HttpServer a = node(hitsA, answerA, statusA);
    HttpServer b = node(hitsB, new AtomicReference<>("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"), new int[] {200});
    List<String> moves = new CopyOnWriteArrayList<>();
    BrokerTransport t = BrokerTransport.create(List.of(url(a), url(b)),
        new ProofSigner(HolderKeyPair.generate(new SecureRandom()), new SecureRandom()), Duration.ofSeconds(2),
        Duration.ofSeconds(10), new BrokerTransport.Listener() {
          @Override
          public void movedNode(String from, String to, String why) {
            moves.add(from + " -> " + to + ": " + why);
          }
        });
    Credential c = Credential.proofToken("mac_not-checked-here");
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8);

    BrokerTransport.Outcome refused = t.send("POST", c, body, Map.of(), BrokerTransport.Repeat.SAFE);
    assertEquals(401, ((BrokerTransport.Outcome.Answered) refused).status());
    assertEquals(0, hitsB.get(), "a refusal was shopped around to another node");
    assertEquals(url(a), t.currentNode());

    // A node cut off from its cluster says so; the next one is asked.
    statusA[0] = 503;
    answerA.set("{\"error\":\"cluster_unavailable\",\"message\":\"retry on another node\"}");
    BrokerTransport.Outcome o = t.send("POST", c, body, Map.of(), BrokerTransport.Repeat.NEVER_AFTER_SEND);
    assertEquals(200, ((BrokerTransport.Outcome.Answered) o).status());
    assertEquals(1, hitsB.get());
    assertEquals(url(b), t.currentNode());

    // b goes away while a is back: connection refused, so the call moves, and is not lost.
    statusA[0] = 200;
    answerA.set("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
    b.stop(0);
    o = t.send("POST", c, body, Map.of(), BrokerTransport.Repeat.NEVER_AFTER_SEND);
    assertEquals(200, ((BrokerTransport.Outcome.Answered) o).status(), o.toString());
    assertEquals(url(a), ((BrokerTransport.Outcome.Answered) o).node());
    assertEquals(2, moves.size(), moves.toString());
    assertTrue(moves.get(1).contains("connection refused"), moves.toString());

    a.stop(0);
    assertTrue(t.send("POST", c, body, Map.of(), BrokerTransport.Repeat.SAFE) instanceof BrokerTransport.Outcome.Unreachable);
  }

  @Test
  void aConnectionClosedWithoutAnAnswer_isTriedOnceMoreOnAFreshOne() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    s.createContext("/mcp", ex -> {
      ex.getRequestBody().readAllBytes();
      if (hits.incrementAndGet() == 1) {
        ex.close(); // no status line, no bytes: what a stale kept-alive connection looks like to the client
        return;
      }
      byte[] b = "{}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    s.start();
    servers.add(s);
    BrokerTransport t = BrokerTransport.create(List.of(url(s)), null, Duration.ofSeconds(2), Duration.ofSeconds(10),
        null);
    BrokerTransport.Outcome o = t.send("POST", Credential.apiKey("ek_x"), "{}".getBytes(StandardCharsets.UTF_8),
        Map.of(), BrokerTransport.Repeat.NEVER_AFTER_SEND);
    assertEquals(200, ((BrokerTransport.Outcome.Answered) o).status(), o.toString());
    assertEquals(2, hits.get());
  }
}
