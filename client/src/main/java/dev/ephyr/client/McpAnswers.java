package dev.ephyr.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the JSON-RPC messages of a Streamable HTTP answer: the whole body for {@code application/json}, each
 * event's {@code data} for {@code text/event-stream}, delivered as they arrive so progress and server
 * requests pass through while a call runs. Lines and events are bounded.
 */
public final class McpAnswers {
  /** Longest JSON body or SSE event accepted. */
  public static final int MAX_MESSAGE = 16 * 1024 * 1024;

  private McpAnswers() {}

  /** Receives one JSON-RPC message (an object or a batch array) as UTF-8 bytes. */
  @FunctionalInterface
  public interface Sink {
    void message(byte[] json) throws IOException;
  }

  /** Whether {@code contentType} announces an SSE stream. */
  public static boolean isEventStream(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /** Delivers every message of {@code body}, then closes it. */
  public static void read(String contentType, InputStream body, Sink sink) throws IOException {
    try (InputStream in = body) {
      if (isEventStream(contentType)) {
        // Buffered reads still return as soon as some bytes arrive, so events are delivered as they come.
        readEvents(new java.io.BufferedInputStream(in, 8192), sink);
      } else {
        byte[] all = in.readNBytes(MAX_MESSAGE + 1);
        if (all.length > MAX_MESSAGE) {
          throw new IOException("answer larger than " + MAX_MESSAGE + " bytes");
        }
        if (!isBlank(all)) {
          sink.message(all);
        }
      }
    }
  }

  private static void readEvents(InputStream in, Sink sink) throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    boolean sawData = false;
    int c;
    boolean lastCr = false;
    while (true) {
      c = in.read();
      if (c == '\n' && lastCr) {
        lastCr = false;
        continue; // the LF of a CRLF
      }
      lastCr = c == '\r';
      if (c == -1 || c == '\n' || c == '\r') {
        byte[] l = line.toByteArray();
        line.reset();
        if (l.length == 0) {
          if (sawData) {
            sink.message(data.toByteArray());
          }
          data.reset();
          sawData = false;
        } else if (startsWith(l, "data:")) {
          int from = l.length > 5 && l[5] == ' ' ? 6 : 5;
          if (sawData) {
            data.write('\n');
          }
          data.write(l, from, l.length - from);
          sawData = true;
          if (data.size() > MAX_MESSAGE) {
            throw new IOException("event larger than " + MAX_MESSAGE + " bytes");
          }
        }
        // event:, id:, retry: and comments carry nothing the stdio side needs
        if (c == -1) {
          if (sawData) {
            sink.message(data.toByteArray());
          }
          return;
        }
        continue;
      }
      line.write(c);
      if (line.size() > MAX_MESSAGE) {
        throw new IOException("event line longer than " + MAX_MESSAGE + " bytes");
      }
    }
  }

  private static boolean startsWith(byte[] l, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (l.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (l[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBlank(byte[] b) {
    for (byte x : b) {
      if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
        return false;
      }
    }
    return true;
  }
}
