package dev.ephyr.broker;

import dev.ephyr.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@link ChildBroker} in its own JVM, started with the test JVM's java and classpath. */
final class ChildProcess implements AutoCloseable {
  final String name;
  final Process process;
  final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("@@ ready ")) {
            port.complete(Integer.parseInt(line.substring(9).trim()));
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
      port.completeExceptionally(new IllegalStateException("child " + name + " ended before it was ready; the end of "
          + log + ":\n" + tail(log, 40)));
    }, "child-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  static ChildProcess start(String name, Path config, Path logDir) {
    Path log = logDir.resolve(name + ".log");
    return new ChildProcess(name, ChildJvm.start("256m", ChildBroker.class.getName(), List.of(config.toString()), log),
        log);
  }

  /** The last {@code lines} lines of a child's log, so a failure on a machine whose files are gone says why. */
  private static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  int awaitPort(Duration timeout) throws Exception {
    return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Kills the child at once (SIGKILL): no graceful leave. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Ends the child: closes its stdin (graceful), then kills it if it lingers. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
