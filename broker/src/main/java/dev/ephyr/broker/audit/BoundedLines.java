package dev.ephyr.broker.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads lines of at most {@link AuditLine#MAX_LINE} bytes from a stream, through one reusable buffer: a longer
 * line is reported as such (and skipped) instead of growing memory without bound, and a last line without
 * its newline is reported as unterminated.
 */
final class BoundedLines {
  /** One line. */
  record Line(String text, boolean terminated, boolean tooLong) {}

  private final InputStream in;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int end;
  private byte[] line = new byte[1024];

  BoundedLines(InputStream in) {
    this.in = in;
  }

  /** The next line, or {@code null} at the end of the stream. */
  Line next() throws IOException {
    int len = 0;
    boolean tooLong = false;
    boolean any = false;
    while (true) {
      if (pos == end) {
        end = in.read(buf, 0, buf.length);
        pos = 0;
        if (end <= 0) {
          end = 0;
          if (!any) {
            return null;
          }
          return tooLong ? new Line("", false, true) : new Line(new String(line, 0, len, StandardCharsets.UTF_8),
              false, false);
        }
      }
      any = true;
      int nl = -1;
      for (int i = pos; i < end; i++) {
        if (buf[i] == '\n') {
          nl = i;
          break;
        }
      }
      int stop = nl < 0 ? end : nl;
      int n = stop - pos;
      if (!tooLong) {
        if (len + n > AuditLine.MAX_LINE) {
          tooLong = true;
        } else {
          if (len + n > line.length) {
            line = Arrays.copyOf(line, Math.min(AuditLine.MAX_LINE, Math.max(line.length * 2, len + n)));
          }
          System.arraycopy(buf, pos, line, len, n);
          len += n;
        }
      }
      pos = stop;
      if (nl >= 0) {
        pos = nl + 1;
        return tooLong ? new Line("", true, true) : new Line(new String(line, 0, len, StandardCharsets.UTF_8), true,
            false);
      }
    }
  }
}
