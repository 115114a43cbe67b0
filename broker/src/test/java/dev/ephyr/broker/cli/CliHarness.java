package dev.ephyr.broker.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code ephyr} commands in-process with captured output, a fixed clock and a temporary working directory. */
final class CliHarness {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  final Path cwd;
  final Map<String, String> env = new HashMap<>();
  final StopSignal stop = new StopSignal();

  CliHarness(Path cwd) {
    this.cwd = cwd;
  }

  /** The outcome of one command. */
  record Result(int code, String out, String err) {
    /** Everything printed, for failure messages. */
    String all() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Result run(String... args) {
    return runWithInput("", args);
  }

  Result runWithInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        stdin, args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  int run(PrintStream out, PrintStream err, String stdin, String... args) {
    Io io = new Io(out, err, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), env, cwd,
        new SecureRandom(), Clock.fixed(NOW, ZoneOffset.UTC), stop);
    return new Cli().run(args, io);
  }
}
