package dev.ephyr.broker.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Removes the injected credential from what comes back, in case the service reflects the request (echo
 * endpoints, error pages quoting the URL with a query token, debug headers), in every spelling the
 * {@link SecretMatcher} knows. Works on a stream: it holds back the last {@code longest - 1} bytes of each
 * chunk so a secret split across chunks is still found. Secrets shorter than {@link SecretMatcher#MIN_CHARS}
 * are not searched for (they would match ordinary text); one instance per response, used on one thread.
 */
final class Redactor {
  /** Shortest secret worth searching for. */
  static final int MIN_CHARS = SecretMatcher.MIN_CHARS;
  static final byte[] MARK = "[redacted]".getBytes(StandardCharsets.US_ASCII);

  private final SecretMatcher matcher;
  private final int keep;
  private static final byte[] EMPTY = new byte[0];
  private byte[] pending = EMPTY;
  private long redactions;

  private Redactor(SecretMatcher matcher) {
    this.matcher = matcher;
    this.keep = Math.max(0, matcher.longest() - 1);
  }

  /** A redactor for these forms of the credential (the secret, a Basic token…); short ones skipped. */
  static Redactor of(List<String> forms) {
    return new Redactor(SecretMatcher.of(forms));
  }

  /** A redactor for one response, over a matcher built once and shared (matchers are immutable). */
  static Redactor over(SecretMatcher matcher) {
    return new Redactor(matcher);
  }

  /** A redactor that changes nothing. */
  static Redactor none() {
    return new Redactor(SecretMatcher.none());
  }

  /** The shared matcher this redactor uses. */
  SecretMatcher matcher() {
    return matcher;
  }

  /** Whether there is anything to look for. */
  boolean active() {
    return matcher.active();
  }

  /** How many occurrences were removed so far. */
  long redactions() {
    return redactions;
  }

  /** The bytes of {@code chunk} (after what was held back) that are safe to emit now. */
  Buffer next(Buffer chunk) {
    if (!matcher.active()) {
      return chunk;
    }
    byte[] in = concat(pending, chunk.getBytes());
    int[] safeEnd = {Math.max(0, in.length - keep)};
    Buffer out = scrub(in, safeEnd);
    pending = safeEnd[0] >= in.length ? EMPTY : java.util.Arrays.copyOfRange(in, safeEnd[0], in.length);
    return out;
  }

  /** Whatever was held back, scrubbed; call once at the end. */
  Buffer finish() {
    if (!matcher.active() || pending.length == 0) {
      return Buffer.buffer();
    }
    int[] end = {pending.length};
    Buffer out = scrub(pending, end);
    pending = EMPTY;
    return out;
  }

  /** {@code value} with every occurrence removed (header values, whole bodies). */
  String scrub(String value) {
    if (!matcher.active()) {
      return value;
    }
    byte[] in = value.getBytes(StandardCharsets.UTF_8);
    long before = redactions;
    Buffer out = scrub(in, new int[] {in.length});
    return redactions == before ? value : out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Emits {@code in[0..end)} with needles replaced; a needle that starts before {@code end} is replaced whole
   * and {@code end} moves past it, so held-back bytes never contain the tail of a replaced secret.
   */
  private Buffer scrub(byte[] in, int[] end) {
    // Written straight into the buffer that is relayed: one copy of the bytes, not three.
    Buffer out = Buffer.buffer(Math.max(16, end[0] + 64));
    long[] hits = {0};
    end[0] = matcher.redact(in, end[0], out, hits);
    redactions += hits[0];
    return out;
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
