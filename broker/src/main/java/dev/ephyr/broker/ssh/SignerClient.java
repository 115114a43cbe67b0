package dev.ephyr.broker.ssh;

import dev.ephyr.broker.ssh.signer.Frames;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The broker's side of the signer socket. Blocking socket I/O runs on a few dedicated threads (never an
 * event loop), each keeping one connection open; every call has a deadline after which its connection is
 * closed, which unblocks the read.
 */
public final class SignerClient implements AutoCloseable {
  private final Path socket;
  private final Duration timeout;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final ThreadLocal<SocketChannel> connection = new ThreadLocal<>();
  private final java.util.Set<SocketChannel> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A client of the signer at {@code socket} with {@code threads} connections. */
  public SignerClient(Path socket, Duration timeout, int threads) {
    this.socket = socket;
    this.timeout = timeout;
    this.workers = Executors.newFixedThreadPool(threads, r -> daemon(r, "ephyr-signer-client"));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ephyr-signer-timeout"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** The signer's answer to {@code request}; fails with {@link SignerUnavailableException} when it cannot be asked. */
  public CompletableFuture<JsonObject> call(JsonObject request) {
    CompletableFuture<JsonObject> out = new CompletableFuture<>();
    try {
      workers.execute(() -> {
        try {
          out.complete(exchange(request.encode()));
        } catch (IOException | DecodeException e) {
          out.completeExceptionally(new SignerUnavailableException("signer at " + socket + ": "
              + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")")));
        }
      });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new SignerUnavailableException("signer client closed"));
    }
    return out;
  }

  /** The CA public key line, blocking (for node start, off any event loop). */
  public String publicKey() throws SignerUnavailableException {
    try {
      JsonObject r = call(new JsonObject().put("op", "public_key")).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
      if (!r.getBoolean("ok", false) || r.getString("public_key") == null) {
        throw new SignerUnavailableException("signer at " + socket + " did not return its public key");
      }
      return r.getString("public_key");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SignerUnavailableException("interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof SignerUnavailableException s ? s
          : new SignerUnavailableException("signer at " + socket + ": " + e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new SignerUnavailableException("signer at " + socket + " did not answer in time");
    }
  }

  private JsonObject exchange(String request) throws IOException {
    try {
      return once(request);
    } catch (IOException first) {
      // A kept connection may have been closed by the signer (idle reaping, restart): one fresh try.
      drop();
      return once(request);
    }
  }

  private JsonObject once(String request) throws IOException {
    SignerClientConnection c = open();
    ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(c.channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      Frames.write(c.channel, request);
      String reply = Frames.read(c.channel);
      if (reply == null) {
        throw new IOException("signer closed the connection");
      }
      return new JsonObject(reply);
    } catch (IOException e) {
      drop();
      throw e;
    } finally {
      deadline.cancel(false);
    }
  }

  private record SignerClientConnection(SocketChannel channel) {}

  private SignerClientConnection open() throws IOException {
    SocketChannel ch = connection.get();
    if (ch == null || !ch.isOpen()) {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
      connection.set(ch);
      open.add(ch);
    }
    return new SignerClientConnection(ch);
  }

  private void drop() {
    SocketChannel ch = connection.get();
    connection.remove();
    if (ch != null) {
      open.remove(ch);
      closeQuietly(ch);
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
    timer.shutdownNow();
    open.forEach(SignerClient::closeQuietly);
    open.clear();
  }

  /** The signer could not be asked (not running, socket unreachable, timed out). */
  public static final class SignerUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    SignerUnavailableException(String message) {
      super(message, null, false, false);
    }
  }
}
