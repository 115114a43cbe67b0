package dev.ephyr.broker.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** A captured output stream whose {@link #seen} completes when a printed line contains the given text. */
final class OutputWatch extends PrintStream {
  private final String text;
  final CompletableFuture<Void> seen = new CompletableFuture<>();
  private final StringBuilder all = new StringBuilder();

  OutputWatch(String text) {
    super(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    this.text = text;
  }

  @Override
  public synchronized void println(String line) {
    all.append(line).append('\n');
    if (line.contains(text)) {
      seen.complete(null);
    }
  }

  synchronized String text() {
    return all.toString();
  }
}
