package dev.ephyr.broker.proxy;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the injected credential from what comes back, in case the service reflects the request (echo
 * endpoints, error pages quoting the URL with a query token, debug headers). Works on a stream: it holds
 * back the last {@code longest - 1} bytes of each chunk so a secret split across chunks is still found.
 * Secrets shorter than {@link #MIN_CHARS} are not searched for (they would match ordinary text); one
 * instance per response, used on one thread.
 */
final class Redactor {
  /** Shortest secret worth searching for. */
  static final int MIN_CHARS = 8;
  static final byte[] MARK = "[redacted]".getBytes(StandardCharsets.US_ASCII);

  private final List<byte[]> needles;
  private final int keep;
  private byte[] pending = new byte[0];
  private long redactions;

  private Redactor(List<byte[]> needles) {
    this.needles = needles;
    int longest = 0;
    for (byte[] n : needles) {
      longest = Math.max(longest, n.length);
    }
    this.keep = Math.max(0, longest - 1);
  }

  /** A redactor for these spellings of the credential (raw, URL-encoded, Basic token…); short ones skipped. */
  static Redactor of(List<String> spellings) {
    List<byte[]> n = new ArrayList<>();
    for (String s : spellings) {
      if (s != null && s.length() >= MIN_CHARS) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (n.stream().noneMatch(x -> java.util.Arrays.equals(x, b))) {
          n.add(b);
        }
      }
    }
    return new Redactor(n);
  }

  /** A redactor that changes nothing. */
  static Redactor none() {
    return new Redactor(List.of());
  }

  /** Whether there is anything to look for. */
  boolean active() {
    return !needles.isEmpty();
  }

  /** How many occurrences were removed so far. */
  long redactions() {
    return redactions;
  }

  /** The bytes of {@code chunk} (after what was held back) that are safe to emit now. */
  Buffer next(Buffer chunk) {
    if (needles.isEmpty()) {
      return chunk;
    }
    byte[] in = concat(pending, chunk.getBytes());
    int[] safeEnd = {Math.max(0, in.length - keep)};
    byte[] out = scrub(in, safeEnd);
    pending = java.util.Arrays.copyOfRange(in, safeEnd[0], in.length);
    return Buffer.buffer(out);
  }

  /** Whatever was held back, scrubbed; call once at the end. */
  Buffer finish() {
    if (needles.isEmpty() || pending.length == 0) {
      return Buffer.buffer();
    }
    int[] end = {pending.length};
    byte[] out = scrub(pending, end);
    pending = new byte[0];
    return Buffer.buffer(out);
  }

  /** {@code value} with every occurrence removed (header values, whole bodies). */
  String scrub(String value) {
    if (needles.isEmpty()) {
      return value;
    }
    byte[] in = value.getBytes(StandardCharsets.UTF_8);
    int[] end = {in.length};
    return new String(scrub(in, end), StandardCharsets.UTF_8);
  }

  /**
   * Emits {@code in[0..end)} with needles replaced; a needle that starts before {@code end} is replaced whole
   * and {@code end} moves past it, so held-back bytes never contain the tail of a replaced secret.
   */
  private byte[] scrub(byte[] in, int[] end) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    int i = 0;
    int limit = end[0];
    while (i < limit) {
      byte[] hit = matchAt(in, i);
      if (hit != null) {
        out.write(MARK, 0, MARK.length);
        redactions++;
        i += hit.length;
        limit = Math.max(limit, i);
      } else {
        out.write(in[i]);
        i++;
      }
    }
    end[0] = i;
    return out.toByteArray();
  }

  private byte[] matchAt(byte[] in, int at) {
    for (byte[] n : needles) {
      if (at + n.length <= in.length && in[at] == n[0]) {
        boolean same = true;
        for (int k = 1; k < n.length && same; k++) {
          same = in[at + k] == n[k];
        }
        if (same) {
          return n;
        }
      }
    }
    return null;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
