package dev.ephyr.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The on-disk form of a {@link TaskRecord} in the state store: a version byte and the fields in a fixed
 * order. Decoding is strict (sizes checked, no trailing bytes) so a damaged entry is reported, never guessed.
 */
final class TaskRecordCodec {

  private static final int VERSION = 1;
  private static final int MAX_STRING = 64 * 1024;

  private TaskRecordCodec() {}

  static byte[] encode(TaskRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      string(out, r.taskId());
      string(out, r.rootId());
      string(out, r.parentId());
      string(out, r.agent());
      out.writeInt(r.depth());
      out.writeLong(r.epoch());
      out.writeLong(r.createdAt().toEpochMilli());
      out.writeLong(r.expiresAt().toEpochMilli());
      out.writeLong(r.bindBy() == null ? Long.MIN_VALUE : r.bindBy().toEpochMilli());
      string(out, r.holderJkt());
      string(out, r.envelope());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes an entry; throws {@link IllegalArgumentException} naming the problem when it is damaged. */
  static TaskRecord decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown task record version " + version);
      }
      String taskId = string(in);
      String rootId = string(in);
      String parentId = string(in);
      String agent = string(in);
      int depth = in.readInt();
      long epoch = in.readLong();
      long created = in.readLong();
      long expires = in.readLong();
      long bindBy = in.readLong();
      String holder = string(in);
      String envelope = string(in);
      if (in.available() != 0) {
        throw new IllegalArgumentException("trailing bytes after a task record");
      }
      return new TaskRecord(taskId, rootId, parentId, agent, depth, epoch, Instant.ofEpochMilli(created),
          Instant.ofEpochMilli(expires), bindBy == Long.MIN_VALUE ? null : Instant.ofEpochMilli(bindBy), holder,
          envelope);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated task record");
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("damaged task record: " + e.getMessage());
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > MAX_STRING) {
      throw new IllegalArgumentException("field length " + n + " out of range");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
