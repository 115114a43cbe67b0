package dev.ephyr.broker.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bound of a streamed answer, over a real HTTP server and real sockets: a client that never reads fills the
 * kernel's buffers and then the stream's write queue, and is cut off within the drain wait; a client that
 * reads gets every message. The server's send buffer is small so that the kernel holds little and the bound
 * under test is the stream's own.
 */
class CallStreamTest {
  private static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
  private static final String PAYLOAD = "x".repeat(16 * 1024);

  private Vertx vertx;
  private HttpServer server;
  private final Promise<String> broken = Promise.promise();
  private final AtomicInteger sent = new AtomicInteger();
  private volatile int messages;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSendBufferSize(8192))
        .requestHandler(req -> {
          CallStream stream = new CallStream(req, vertx, DRAIN_WAIT, broken::tryComplete);
          stream.open("r-1");
          vertx.setPeriodic(5, id -> {
            if (sent.get() == messages) {
              vertx.cancelTimer(id);
              stream.finish(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("result", new JsonObject()));
            } else if (stream.send(new JsonObject().put("n", sent.get()).put("pad", PAYLOAD))) {
              sent.incrementAndGet();
            } else {
              vertx.cancelTimer(id);
            }
          });
        });
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Socket request(int receiveBuffer) throws Exception {
    Socket s = new Socket();
    s.setReceiveBufferSize(receiveBuffer);
    s.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
    s.getOutputStream().write("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  @Test
  void aClientThatNeverReads_isCutOff_afterABoundedAmount() throws Exception {
    messages = 100_000; // far more than any buffer holds: 1.6 GB
    try (Socket s = request(4096)) {
      String why = broken.future().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals("client_not_reading", why);
      // The connection is closed: what the kernel and the queue still hold drains, then the stream ends.
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      long held = 0;
      try {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          held += n;
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server kept the connection of a client that did not read open", e);
      } catch (java.io.IOException reset) {
        // closed with a reset: also closed
      }
      assertTrue(held < 4L << 20, held + " bytes were held for a client that read nothing");
    }
  }

  @Test
  void aClientThatReads_getsEveryMessage() throws Exception {
    messages = 200; // 3.2 MB, faster than any heartbeat: some are dropped while the queue is full
    try (Socket s = request(65536)) {
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      String text = "";
      while (!text.contains("\"result\"")) {
        int n = in.read(buf);
        assertTrue(n >= 0, "the stream ended early");
        all.write(buf, 0, n);
        text = all.toString(StandardCharsets.US_ASCII);
      }
      assertTrue(text.startsWith("HTTP/1.1 200"), text.substring(0, 40));
      assertTrue(text.contains("Content-Type: text/event-stream"));
      int got = text.split("\"pad\"", -1).length - 1;
      assertTrue(got > 0 && got <= 200, got + " messages");
      assertFalse(broken.future().isComplete(), "a reading client was cut off: " + broken.future().result());
    }
  }
}
