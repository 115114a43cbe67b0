package dev.ephyr.broker.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;

/**
 * Everything a command touches outside itself, passed in so tests run commands in-process.
 *
 * @param out normal output
 * @param err diagnostics and errors
 * @param in standard input (tokens and keys read with {@code -})
 * @param env environment variables
 * @param cwd directory that relative paths resolve against
 * @param random source of keys
 * @param clock wall clock (expiry display)
 * @param stop completes when a long-running command should stop (Ctrl-C in the real launcher)
 */
record Io(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, Path cwd, SecureRandom random,
    Clock clock, StopSignal stop) {

  /** Resolves a path argument against {@link #cwd}. */
  Path path(String arg) {
    return cwd.resolve(arg).normalize();
  }
}
