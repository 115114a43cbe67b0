package dev.ephyr.broker.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's list-change streams: bounded in number, and a client that never reads is cut off. */
class ListChangesTest {
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void tenThousandSubscribers_areBoundedPerNodeAndPerAgent_andPlacesComeBack() {
    ListChanges hub = new ListChanges(ListChanges.Limits.DEFAULTS);
    Context ctx = vertx.getOrCreateContext();
    AtomicInteger rechecks = new AtomicInteger();
    List<ListChanges.Ticket> admitted = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < 10_000; i++) {
      ListChanges.Admission a = hub.admit("agent-" + i, ctx, cause -> rechecks.incrementAndGet());
      if (a instanceof ListChanges.Admitted ok) {
        admitted.add(ok.ticket());
      } else {
        refused++;
        assertTrue(((ListChanges.Refused) a).message().contains("maximum of 1000"), a.toString());
      }
    }
    assertEquals(1_000, admitted.size());
    assertEquals(9_000, refused);
    assertEquals(1_000, hub.openStreams());
    hub.changed(ListChanges.Cause.POLICY);
    Eventually.await(Duration.ofSeconds(20), "every admitted stream rechecked once", () -> rechecks.get() == 1_000);
    admitted.forEach(ListChanges.Ticket::release);
    admitted.get(0).release(); // idempotent
    assertEquals(0, hub.openStreams());
    // One agent alone: 32, then refused, whatever the node has room for.
    int mine = 0;
    for (int i = 0; i < 10_000; i++) {
      if (hub.admit("greedy", ctx, cause -> { }) instanceof ListChanges.Admitted) {
        mine++;
      }
    }
    assertEquals(32, mine);
    assertInstanceOf(ListChanges.Admitted.class, hub.admit("modest", ctx, cause -> { }));
  }

  @Test
  void aClientThatNeverReads_isClosed_andItsPlaceGivenBack() throws Exception {
    ListChanges hub = new ListChanges(new ListChanges.Limits(10, 10, Duration.ofSeconds(30), Duration.ofHours(1), 4096));
    // A big notification fills the socket buffers quickly; its content does not matter here.
    JsonObject notification = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/tools/list_changed")
        .put("params", new JsonObject().put("_meta", new JsonObject().put("pad", "x".repeat(16 * 1024))));
    ToolCatalog none = new ToolCatalog(List.of());
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      ToolListStream stream = new ToolListStream(none, null, notification, null);
      ListChanges.Admission a = hub.admit("slow", vertx.getOrCreateContext(), stream);
      stream.start(((ListChanges.Admitted) a).ticket(), hub.limits(), req.response(), "r1",
          vertx.getOrCreateContext(), null);
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", server.actualPort()), 5_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /listen HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Eventually.await(Duration.ofSeconds(20), "the stream to open", () -> hub.openStreams() == 1);
      // Never read: keep announcing changes (a burst per poll) until the server gives up on this client.
      Eventually.await(Duration.ofSeconds(60), "a stream whose client does not read is closed, its place given back",
          () -> {
            for (int i = 0; i < 50; i++) {
              hub.changed(ListChanges.Cause.POLICY);
            }
            return hub.openStreams() == 0;
          });
      assertEquals(0, hub.openStreams());
    } finally {
      server.close();
    }
  }
}
