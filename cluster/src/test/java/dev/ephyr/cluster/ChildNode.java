package dev.ephyr.cluster;

import dev.ephyr.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link NodeMain} in a child JVM: start it, send it commands, freeze, resume or kill it. */
final class ChildNode implements AutoCloseable {

  final String name;
  final int port;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile boolean frozen;

  private ChildNode(String name, int port, Process process) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("@@ ")) {
            answers.add(line.substring(3));
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "child-stdout-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  /** Starts a child with the given settings; its log goes to target/child-logs/&lt;cluster&gt;-&lt;name&gt;.log. */
  static ChildNode start(String name, int port, Map<String, String> settings) {
    List<String> args = new ArrayList<>();
    settings.forEach((k, v) -> args.add(k + "=" + v));
    Path log = Path.of("target", "child-logs", settings.get(ClusterConfig.NAME) + "-" + name + ".log");
    return new ChildNode(name, port, ChildJvm.start("192m", NodeMain.class.getName(), args, log));
  }

  long pid() {
    return process.pid();
  }

  /** Whether the child runs and is not frozen. */
  boolean running() {
    return process.isAlive() && !frozen;
  }

  /** Waits for the child to have started its node; fails at once if the child died. */
  void awaitStarted(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = answers.poll(200, TimeUnit.MILLISECONDS);
      if (line != null) {
        if (line.startsWith("0 STARTED")) {
          return;
        }
        throw new AssertionError(name + " sent '" + line + "' instead of starting");
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + " before starting; see target/child-logs");
      }
    }
    throw new AssertionError(name + " did not start within " + timeout);
  }

  /** Sends one command and returns the text after "OK ", or throws on ERR / timeout. */
  String call(Duration timeout, String command) throws InterruptedException {
    String reply = request(timeout, command);
    if (!reply.startsWith("OK")) {
      throw new AssertionError(name + " answered '" + reply + "' to '" + command + "'");
    }
    return reply.substring(2).trim();
  }

  /** Sends one command and returns the whole answer ("OK ..." or "ERR ..."). */
  String request(Duration timeout, String command) throws InterruptedException {
    String id = Integer.toString(ids.incrementAndGet());
    try {
      stdin.write(id + " " + command + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(name + " is gone", e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? answers.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(name + " did not answer '" + command + "' within " + timeout);
      }
      if (line.startsWith(id + " ")) {
        return line.substring(id.length() + 1);
      }
      // an answer to an earlier, timed-out request: skip it
    }
  }

  void freeze() throws Exception {
    signal("-STOP");
    frozen = true;
  }

  void resume() throws Exception {
    signal("-CONT");
    frozen = false;
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  private void signal(String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() {
    try {
      if (frozen) {
        signal("-CONT"); // SIGKILL works on a stopped process too, but leave nothing odd behind
      }
    } catch (Exception ignored) {
      // best effort, the kill below is what matters
    }
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
