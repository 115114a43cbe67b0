package dev.ephyr.protocol.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes V2 binary by hand, including encodings our serializer never produces (fields out of order,
 * duplicates, third-party caveats, non-minimal varints), to attack the parser.
 */
public final class V2Writer {
  public static final int EOS = 0;
  public static final int LOCATION = 1;
  public static final int IDENTIFIER = 2;
  public static final int VID = 4;
  public static final int SIGNATURE = 6;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Starts with the version byte 0x02. */
  public static V2Writer v2() {
    V2Writer w = new V2Writer();
    w.out.write(2);
    return w;
  }

  /** Starts without a version byte: a section to splice into another encoding. */
  public static V2Writer section() {
    return new V2Writer();
  }

  /** Writes a raw byte. */
  public V2Writer raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  /** Writes raw bytes. */
  public V2Writer raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** Writes a minimal unsigned LEB128 varint. */
  public V2Writer varint(long value) {
    long v = value;
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  /** Writes a field: type, length, data. */
  public V2Writer field(int type, byte[] data) {
    varint(type);
    varint(data.length);
    out.writeBytes(data);
    return this;
  }

  /** Writes a field with ASCII data. */
  public V2Writer field(int type, String data) {
    return field(type, data.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes an end-of-section marker. */
  public V2Writer eos() {
    out.write(0);
    return this;
  }

  /** Writes a 32-byte signature field of the given byte value. */
  public V2Writer signature(int fill) {
    byte[] s = new byte[32];
    java.util.Arrays.fill(s, (byte) fill);
    return field(SIGNATURE, s);
  }

  /** A well-formed macaroon: location, identifier, one caveat per argument, signature. */
  public static byte[] wellFormed(String location, String identifier, String... caveats) {
    V2Writer w = v2();
    if (location != null) {
      w.field(LOCATION, location);
    }
    w.field(IDENTIFIER, identifier).eos();
    for (String c : caveats) {
      w.field(IDENTIFIER, c).eos();
    }
    return w.eos().signature(7).bytes();
  }

  public byte[] bytes() {
    return out.toByteArray();
  }
}
