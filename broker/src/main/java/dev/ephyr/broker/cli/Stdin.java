package dev.ephyr.broker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads one bounded value (a token or a key) from standard input. */
final class Stdin {
  private Stdin() {}

  /** The trimmed text of stdin, at most {@code maxBytes}; empty input is an error naming {@code what}. */
  static String readValue(Io io, int maxBytes, String command, String what) throws CliException {
    byte[] b;
    try {
      b = io.in().readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw CliException.failed("cannot read " + what + " from stdin: " + SecureFiles.describe(e));
    }
    if (b.length > maxBytes) {
      throw CliException.failed(what + " on stdin is longer than " + maxBytes + " bytes");
    }
    String s = new String(b, StandardCharsets.UTF_8).trim();
    if (s.isEmpty()) {
      throw CliException.usage(command, "no " + what + " on stdin");
    }
    return s;
  }
}
