package dev.ephyr.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One mutation in the state journal. Every kind is a keep-the-maximum merge, so replaying records twice or in
 * another order gives the same state. Type bytes are on disk: never change one, only add.
 */
sealed interface JournalRecord {

  /** A watermark raise (the store keeps the higher floor and retention). */
  record Raise(String taskId, long floor, long expiresAtMillis) implements JournalRecord {}

  /** A task record as merged by {@link TaskRecordMerge}, in {@link TaskRecordCodec} bytes. */
  record Task(byte[] codec) implements JournalRecord {}

  /** An issued certificate's record (also raises the serial high-water mark). */
  record Certificate(long serial, long keepUntilMillis, String json) implements JournalRecord {}

  /** A raise of the serial high-water mark. */
  record SerialHigh(long serial) implements JournalRecord {}

  byte RAISE = 1;
  byte TASK = 2;
  byte CERTIFICATE = 3;
  byte SERIAL_HIGH = 4;
  int MAX_STRING = 1 << 20;

  /** The record's type byte followed by its payload. */
  static byte[] encode(JournalRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (r instanceof Raise w) {
        out.writeByte(RAISE);
        string(out, w.taskId());
        out.writeLong(w.floor());
        out.writeLong(w.expiresAtMillis());
      } else if (r instanceof Task t) {
        out.writeByte(TASK);
        out.write(t.codec());
      } else if (r instanceof Certificate c) {
        out.writeByte(CERTIFICATE);
        out.writeLong(c.serial());
        out.writeLong(c.keepUntilMillis());
        string(out, c.json());
      } else {
        out.writeByte(SERIAL_HIGH);
        out.writeLong(((SerialHigh) r).serial());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes a type byte and payload (whose CRC already matched); throws on anything that does not decode whole. */
  static JournalRecord decode(byte[] body) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      byte type = in.readByte();
      JournalRecord r = switch (type) {
        case RAISE -> new Raise(string(in), in.readLong(), in.readLong());
        case TASK -> {
          byte[] codec = in.readAllBytes();
          TaskRecordCodec.decode(codec); // proves it decodes before it is trusted
          yield new Task(codec);
        }
        case CERTIFICATE -> new Certificate(in.readLong(), in.readLong(), string(in));
        case SERIAL_HIGH -> new SerialHigh(in.readLong());
        default -> throw new IllegalArgumentException("unknown journal record type " + type);
      };
      if (in.available() > 0) {
        throw new IllegalArgumentException("journal record of type " + type + " has " + in.available()
            + " bytes too many");
      }
      return r;
    } catch (IOException e) {
      throw new IllegalArgumentException("journal record is cut short", e);
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING) {
      throw new IllegalArgumentException("a journal string is longer than " + MAX_STRING + " bytes");
    }
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING || n > in.available()) {
      throw new IllegalArgumentException("journal string length " + n + " out of range");
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}
