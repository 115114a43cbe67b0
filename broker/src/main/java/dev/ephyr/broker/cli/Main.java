package dev.ephyr.broker.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The {@code ephyr} command line: dev, node, keys, agent-key, token and policy commands. */
public final class Main {
  private Main() {}

  /** Runs one command and exits with its code. */
  public static void main(String[] args) {
    // Hazelcast's INFO chatter and its per-retry warnings during restarts bury what the operator needs.
    // A -D on the command line (EPHYR_JAVA_OPTS) still wins.
    LogDefaults.apply(System.getProperties());
    StopSignal stop = new StopSignal();
    CountDownLatch finished = new CountDownLatch(1);
    // Ctrl-C / SIGTERM: ask the running command to stop, and give it time to close the node cleanly
    // (the JVM halts as soon as the hooks return).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.fire();
      try {
        finished.await(35, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ephyr-shutdown"));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    Io io = new Io(out, err, System.in, System.getenv(), Path.of("").toAbsolutePath(), new SecureRandom(),
        Clock.systemUTC(), stop);
    int code = new Cli().run(args, io);
    out.flush();
    err.flush();
    finished.countDown();
    System.exit(code);
  }
}
