package dev.ephyr.broker.ssh.signer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The signer's wire format: each message is a 4-byte big-endian length followed by that many bytes of
 * UTF-8 JSON. Lengths are checked before anything is allocated, so a peer cannot make either side buffer
 * more than {@link #MAX_FRAME} bytes.
 */
public final class Frames {
  /** Largest frame either side accepts (a request is a few hundred bytes, a certificate under 1 KiB). */
  public static final int MAX_FRAME = 16 * 1024;

  private Frames() {}

  /** Writes one frame. */
  public static void write(WritableByteChannel ch, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    if (body.length > MAX_FRAME) {
      throw new IOException("frame of " + body.length + " bytes exceeds the limit of " + MAX_FRAME);
    }
    ByteBuffer buf = ByteBuffer.allocate(4 + body.length);
    buf.putInt(body.length).put(body).flip();
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /**
   * Reads one frame; returns {@code null} on a clean end of stream before a frame starts, throws on a
   * truncated or oversized frame.
   */
  public static String read(ReadableByteChannel ch) throws IOException {
    ByteBuffer len = ByteBuffer.allocate(4);
    if (!fill(ch, len, true)) {
      return null;
    }
    int n = len.flip().getInt();
    if (n < 0 || n > MAX_FRAME) {
      throw new FrameTooLargeException(n);
    }
    ByteBuffer body = ByteBuffer.allocate(n);
    fill(ch, body, false);
    return new String(body.array(), StandardCharsets.UTF_8);
  }

  private static boolean fill(ReadableByteChannel ch, ByteBuffer buf, boolean eofOk) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf);
      if (r < 0) {
        if (eofOk && buf.position() == 0) {
          return false;
        }
        throw new EOFException("connection closed in the middle of a frame");
      }
    }
    return true;
  }

  /** A peer announced a frame beyond {@link #MAX_FRAME}. */
  public static final class FrameTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    FrameTooLargeException(int n) {
      super("frame length " + (n & 0xffffffffL) + " is outside 0.." + MAX_FRAME);
    }
  }
}
