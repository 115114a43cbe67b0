package dev.ephyr.client.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.McpAnswers;
import dev.ephyr.client.Refusal;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The MCP stdio side of {@code ephyr connect}: newline-delimited JSON-RPC on stdin and stdout, each message
 * POSTed to the broker as it is (bytes untouched, so the protocol version is whatever client and broker
 * negotiate), answers written back as they arrive (JSON or every event of an SSE stream). Messages are
 * handled concurrently, so a cancellation reaches the broker while the call it cancels still runs.
 */
public final class StdioBridge {
  /** Longest stdin line accepted (the broker's own body limit is smaller). */
  static final int MAX_LINE = 4 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  // Reads and the handshake can be sent again after a lost connection; a tool call may already have run.
  private static final Set<String> REPEATABLE = Set.of("initialize", "ping", "tools/list", "resources/list",
      "resources/read", "resources/templates/list", "prompts/list", "prompts/get", "completion/complete");
  private static final int ERR_REFUSED = -32001;
  private static final int ERR_UNAVAILABLE = -32000;

  private final BrokerTransport transport;
  private final Consumer<String> log;
  private final Forwarder forwarder;
  private final int concurrency;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Object writeLock = new Object();
  // Leader/follower: one thread at a time reads stdin, then handles what it read itself while the next thread
  // reads; no hand-off between a reader and a worker sits on a call's path.
  private final ReentrantLock readLock = new ReentrantLock();
  private final AtomicInteger finished = new AtomicInteger();
  private InputStream in; // guarded by readLock
  private boolean eof; // guarded by readLock
  private OutputStream out;
  private volatile String session;
  private volatile String version;

  /**
   * A bridge forwarding through {@code transport} with the credential {@code gate} supplies.
   *
   * @param log one line per event for stderr (never a token or key)
   * @param concurrency most messages in flight at once; further messages wait in the pipe
   */
  public StdioBridge(TokenGate gate, BrokerTransport transport, Consumer<String> log, int concurrency) {
    this.transport = transport;
    this.log = log;
    this.forwarder = new Forwarder(gate, transport, log);
    this.concurrency = concurrency;
  }

  /**
   * Runs until stdin ends ({@link ExitCodes#OK}, after in-flight calls finish) or the token is refused for
   * good ({@link ExitCodes#TOKEN_REFUSED}).
   */
  public int run(InputStream stdin, OutputStream stdout) throws InterruptedException {
    this.in = new BufferedInputStream(stdin, 64 * 1024);
    this.out = stdout;
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(this::serve, "ephyr-connect-" + i);
      t.setDaemon(true);
      t.start();
    }
    try {
      return exit.get();
    } catch (ExecutionException e) {
      log.accept("internal error: " + e.getCause());
      return ExitCodes.FAILED;
    }
  }

  /** Ends {@link #run} with {@code code} (e.g. on Ctrl-C). */
  public void stop(int code) {
    exit.complete(code);
  }

  private void serve() {
    while (!exit.isDone()) {
      byte[] line;
      readLock.lock();
      try {
        if (eof) {
          break;
        }
        line = readLine();
        if (line == null) {
          eof = true;
          break;
        }
      } catch (IOException e) {
        log.accept("stdin failed: " + e.getClass().getSimpleName());
        eof = true;
        break;
      } finally {
        readLock.unlock();
      }
      if (line.length > 0) {
        accept(line);
      }
    }
    // The last thread out, after stdin ended and every call in flight was answered, ends the bridge.
    if (finished.incrementAndGet() == concurrency) {
      exit.complete(ExitCodes.OK);
    }
  }

  /** The next line without its newline; empty for a blank or oversized line (answered here); null at EOF. */
  private byte[] readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    boolean tooLong = false;
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        if (tooLong) {
          writeError(JSON.nullNode(), -32600, "message longer than " + MAX_LINE + " bytes", null);
          return new byte[0];
        }
        return line.toByteArray();
      }
      if (line.size() < MAX_LINE) {
        line.write(c);
      } else {
        tooLong = true;
      }
    }
    return line.size() > 0 && !tooLong ? line.toByteArray() : null;
  }

  private void accept(byte[] bytes) {
    JsonNode msg;
    try {
      msg = JSON.readTree(bytes);
    } catch (IOException e) {
      writeError(JSON.nullNode(), -32700, "parse error: not JSON", null);
      return;
    }
    if (msg == null || !(msg.isObject() || msg.isArray())) {
      writeError(JSON.nullNode(), -32600, "a message is a JSON-RPC object or batch", null);
      return;
    }
    List<JsonNode> ids = new ArrayList<>();
    boolean repeatable = true;
    boolean initialize = false;
    for (JsonNode m : msg.isArray() ? msg : List.of(msg)) {
      String method = m.path("method").asText(null);
      if (method != null && m.hasNonNull("id")) {
        ids.add(m.get("id"));
      }
      if (method != null && !REPEATABLE.contains(method) && !method.startsWith("notifications/")) {
        repeatable = false;
      }
      initialize |= "initialize".equals(method);
    }
    handle(bytes, ids, repeatable ? BrokerTransport.Repeat.SAFE : BrokerTransport.Repeat.NEVER_AFTER_SEND, initialize,
        true);
  }

  private void handle(byte[] body, List<JsonNode> ids, BrokerTransport.Repeat repeat, boolean initialize,
      boolean mayRestartSession) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Accept", "application/json, text/event-stream");
    String s = initialize ? null : session;
    if (s != null) {
      headers.put("Mcp-Session-Id", s);
    }
    String v = version;
    if (!initialize && v != null) {
      headers.put("MCP-Protocol-Version", v);
    }
    Forwarder.Result r;
    try {
      r = forwarder.forward("POST", body, headers, repeat);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (r instanceof Forwarder.Result.Refused ref) {
      Refusal x = ref.refusal();
      for (JsonNode id : ids) {
        writeError(id, ERR_REFUSED, "ephyr: " + x.code() + ": " + x.message() + " (" + x.hint() + ")", x.code());
      }
      if (x.terminal()) {
        exit.complete(ExitCodes.TOKEN_REFUSED); // after the answer is out, so the client sees why
      }
      return;
    }
    if (r instanceof Forwarder.Result.Failed f) {
      for (JsonNode id : ids) {
        writeError(id, ERR_UNAVAILABLE, "ephyr: " + f.message(), null);
      }
      return;
    }
    BrokerTransport.Outcome.Answered a = ((Forwarder.Result.Answer) r).answer();
    try {
      if (a.status() == 404 && s != null && mayRestartSession) {
        // The session ended or expired; sessions carry no authority here, so go on without one.
        a.body().close();
        session = null;
        handle(body, ids, repeat, false, false);
        return;
      }
      if (a.status() == 200 || a.status() == 202) {
        if (initialize && a.header("Mcp-Session-Id") != null) {
          session = a.header("Mcp-Session-Id");
        }
        McpAnswers.read(a.header("Content-Type"), a.body(), msg -> {
          if (initialize) {
            noteVersion(msg);
          }
          writeLine(msg);
        });
        return;
      }
      byte[] b = a.body().readNBytes(64 * 1024);
      a.body().close();
      JsonNode n = parseOrNull(b);
      if (n != null && n.isObject() && n.has("error") && ids.size() == 1) {
        ((ObjectNode) n).set("id", ids.get(0));
        writeLine(JSON.writeValueAsBytes(n));
      } else {
        for (JsonNode id : ids) {
          writeError(id, ERR_UNAVAILABLE, "ephyr: the broker answered HTTP " + a.status(), null);
        }
      }
    } catch (IOException e) {
      log.accept("answer from " + a.node() + " broke off: " + e.getClass().getSimpleName());
      for (JsonNode id : ids) {
        writeError(id, ERR_UNAVAILABLE, "ephyr: the answer from " + a.node() + " broke off", null);
      }
    }
  }

  private void noteVersion(byte[] msg) {
    JsonNode n = parseOrNull(msg);
    if (n != null && n.path("result").path("protocolVersion").isTextual()) {
      version = n.path("result").path("protocolVersion").asText();
    }
  }

  private static JsonNode parseOrNull(byte[] b) {
    try {
      return JSON.readTree(b);
    } catch (IOException e) {
      return null;
    }
  }

  private void writeError(JsonNode id, int code, String message, String reason) {
    ObjectNode e = JSON.createObjectNode().put("jsonrpc", "2.0");
    e.set("id", id);
    ObjectNode err = e.putObject("error").put("code", code).put("message", message);
    if (reason != null) {
      err.putObject("data").put("reason", reason);
    }
    try {
      writeLine(JSON.writeValueAsBytes(e));
    } catch (IOException ex) {
      log.accept("stdout failed: " + ex.getClass().getSimpleName());
    }
  }

  private void writeLine(byte[] msg) throws IOException {
    byte[] line = msg;
    for (byte b : msg) {
      if (b == '\n' || b == '\r') {
        JsonNode n = parseOrNull(msg); // stdio framing allows no newline inside a message: re-encode compactly
        if (n == null) {
          log.accept("dropped an answer that is not JSON");
          return;
        }
        line = JSON.writeValueAsBytes(n);
        break;
      }
    }
    // One write per message: a line split over two writes can wake the reader twice.
    byte[] framed = Arrays.copyOf(line, line.length + 1);
    framed[line.length] = '\n';
    synchronized (writeLock) {
      out.write(framed);
      out.flush();
    }
  }

  @Override
  public String toString() {
    return "StdioBridge[" + transport + "]";
  }
}
