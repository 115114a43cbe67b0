package dev.ephyr.broker.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Keeps the first {@code limit} bytes written and counts the rest, so a chatty command cannot fill memory. */
final class CappedOutput extends OutputStream {
  private final int limit;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private long dropped;

  CappedOutput(int limit) {
    this.limit = limit;
  }

  @Override
  public synchronized void write(int b) {
    if (kept.size() < limit) {
      kept.write(b);
    } else {
      dropped++;
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    int room = Math.max(0, limit - kept.size());
    int take = Math.min(room, len);
    kept.write(b, off, take);
    dropped += len - take;
  }

  /** Bytes not kept. */
  synchronized long dropped() {
    return dropped;
  }

  /** What was kept as text (invalid UTF-8 replaced), with a marker if anything was dropped. */
  synchronized String text() {
    String s = kept.toString(StandardCharsets.UTF_8);
    return dropped == 0 ? s : s + "\n[output truncated: " + dropped + " more bytes not shown]";
  }
}
