package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.Reason;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The libmacaroons V2 binary format: {@code 0x02}, a header section ({@code [location] identifier EOS}),
 * a caveat section ({@code ([location] identifier [vid] EOS)* EOS}) and a 32-byte signature field; every
 * field is {@code type:uvarint length:uvarint data}.
 *
 * <p>Parsing is strict: sizes are checked before anything is read, field types must strictly increase
 * within a section, varints must be minimal, identifiers must be non-empty, third-party caveats are
 * refused, and no byte may follow the signature.
 */
public final class MacaroonV2 {
  /** Largest accepted encoding, in bytes. */
  public static final int MAX_BYTES = 8192;
  /** Largest accepted identifier. */
  public static final int MAX_IDENTIFIER_BYTES = 256;
  /** Largest accepted location. */
  public static final int MAX_LOCATION_BYTES = 256;
  /** Largest accepted caveat identifier. */
  public static final int MAX_CAVEAT_BYTES = 1024;
  /** Most caveats accepted in one macaroon. */
  public static final int MAX_CAVEATS = 128;
  /** Signature length. */
  public static final int SIGNATURE_BYTES = 32;

  static final byte VERSION = 2;
  private static final int EOS = 0;
  private static final int LOCATION = 1;
  private static final int IDENTIFIER = 2;
  private static final int VID = 4;
  private static final int SIGNATURE = 6;

  private MacaroonV2() {}

  /** Parses {@code bytes[off, off+len)} into a macaroon. */
  public static Macaroon parse(byte[] bytes, int off, int len) throws MacaroonFormatException {
    MacaroonLayout layout = new MacaroonLayout();
    scan(bytes, off, len, layout);
    byte[] location = layout.locationOffset < 0 ? null
        : Arrays.copyOfRange(bytes, layout.locationOffset, layout.locationOffset + layout.locationLength);
    byte[] identifier = Arrays.copyOfRange(bytes, layout.identifierOffset,
        layout.identifierOffset + layout.identifierLength);
    List<byte[]> caveats = new ArrayList<>(layout.caveatCount);
    for (int i = 0; i < layout.caveatCount; i++) {
      caveats.add(Arrays.copyOfRange(bytes, layout.caveatOffsets[i],
          layout.caveatOffsets[i] + layout.caveatLengths[i]));
    }
    byte[] signature = Arrays.copyOfRange(bytes, layout.signatureOffset,
        layout.signatureOffset + SIGNATURE_BYTES);
    return new Macaroon(location, identifier, Collections.unmodifiableList(caveats), signature);
  }

  /** Checks {@code bytes[off, off+len)} and records where its fields are, without copying them. */
  public static void scan(byte[] bytes, int off, int len, MacaroonLayout out)
      throws MacaroonFormatException {
    if (len > MAX_BYTES) {
      throw new MacaroonFormatException("token is larger than " + MAX_BYTES + " bytes");
    }
    if (len < 1 || off < 0 || off + len > bytes.length) {
      throw new MacaroonFormatException("token is empty");
    }
    out.reset();
    Reader r = new Reader(bytes, off, off + len);
    if (bytes[off] != VERSION) {
      throw new MacaroonFormatException("not a V2 macaroon (version byte " + (bytes[off] & 0xff) + ")");
    }
    r.pos++;
    // Header section.
    int type = r.type();
    if (type == LOCATION) {
      r.field(MAX_LOCATION_BYTES, "location");
      out.locationOffset = r.dataOffset;
      out.locationLength = r.dataLength;
      type = r.type();
    }
    if (type != IDENTIFIER) {
      throw new MacaroonFormatException(type == EOS ? "identifier missing" : "unexpected field " + type + " in header");
    }
    r.field(MAX_IDENTIFIER_BYTES, "identifier");
    if (r.dataLength == 0) {
      throw new MacaroonFormatException("empty identifier");
    }
    out.identifierOffset = r.dataOffset;
    out.identifierLength = r.dataLength;
    if (r.type() != EOS) {
      throw new MacaroonFormatException("header fields out of order or repeated");
    }
    // Caveat section.
    while (true) {
      type = r.type();
      if (type == EOS) {
        break;
      }
      if (out.caveatCount == MAX_CAVEATS) {
        throw new MacaroonFormatException("more than " + MAX_CAVEATS + " caveats");
      }
      if (type == LOCATION) {
        // Only third-party caveats carry a location; we refuse those below, but say so precisely.
        r.field(MAX_LOCATION_BYTES, "caveat location");
        type = r.type();
        if (type != IDENTIFIER) {
          throw new MacaroonFormatException("caveat identifier missing");
        }
        r.field(MAX_CAVEAT_BYTES, "caveat");
        throw new MacaroonFormatException(Reason.UNSUPPORTED, "third-party caveats are not supported");
      }
      if (type != IDENTIFIER) {
        throw new MacaroonFormatException("caveat identifier missing");
      }
      r.field(MAX_CAVEAT_BYTES, "caveat");
      if (r.dataLength == 0) {
        throw new MacaroonFormatException("empty caveat");
      }
      out.caveatOffsets[out.caveatCount] = r.dataOffset;
      out.caveatLengths[out.caveatCount] = r.dataLength;
      out.caveatCount++;
      type = r.type();
      if (type == VID) {
        r.field(MAX_CAVEAT_BYTES, "verification id");
        throw new MacaroonFormatException(Reason.UNSUPPORTED, "third-party caveats are not supported");
      }
      if (type != EOS) {
        throw new MacaroonFormatException("caveat fields out of order or repeated");
      }
    }
    if (r.type() != SIGNATURE) {
      throw new MacaroonFormatException("signature missing");
    }
    r.field(SIGNATURE_BYTES, "signature");
    if (r.dataLength != SIGNATURE_BYTES) {
      throw new MacaroonFormatException("signature is not 32 bytes");
    }
    out.signatureOffset = r.dataOffset;
    if (r.pos != r.end) {
      throw new MacaroonFormatException((r.end - r.pos) + " trailing bytes after the signature");
    }
  }

  /** Encodes a macaroon. */
  static byte[] serialize(Macaroon m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + m.caveatBytes().size() * 48);
    out.write(VERSION);
    if (m.locationBytes() != null) {
      writeField(out, LOCATION, m.locationBytes());
    }
    writeField(out, IDENTIFIER, m.identifierBytes());
    out.write(EOS);
    for (byte[] caveat : m.caveatBytes()) {
      writeField(out, IDENTIFIER, caveat);
      out.write(EOS);
    }
    out.write(EOS);
    writeField(out, SIGNATURE, m.signatureBytes());
    if (out.size() > MAX_BYTES) {
      throw new IllegalArgumentException("macaroon would be larger than " + MAX_BYTES + " bytes");
    }
    return out.toByteArray();
  }

  private static void writeField(ByteArrayOutputStream out, int type, byte[] data) {
    writeVarint(out, type);
    writeVarint(out, data.length);
    out.write(data, 0, data.length);
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    int v = value;
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  /** Cursor over the encoding. */
  private static final class Reader {
    private final byte[] b;
    private final int end;
    int pos;
    int dataOffset;
    int dataLength;

    Reader(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    int type() throws MacaroonFormatException {
      return varint("field type", 127);
    }

    void field(int maxLength, String what) throws MacaroonFormatException {
      int n = varint(what + " length", maxLength);
      if (n > end - pos) {
        throw new MacaroonFormatException(what + " runs past the end of the token");
      }
      dataOffset = pos;
      dataLength = n;
      pos += n;
    }

    /** A minimal unsigned LEB128 varint no larger than {@code max}. */
    private int varint(String what, int max) throws MacaroonFormatException {
      long value = 0;
      int shift = 0;
      while (true) {
        if (pos >= end) {
          throw new MacaroonFormatException("token truncated in " + what);
        }
        int x = b[pos++] & 0xff;
        value |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          if (x == 0 && shift > 0) {
            throw new MacaroonFormatException("non-minimal varint in " + what);
          }
          break;
        }
        shift += 7;
        if (shift > 28) {
          throw new MacaroonFormatException(what + " is too large");
        }
      }
      if (value > max) {
        throw new MacaroonFormatException(what + " " + value + " exceeds the limit of " + max);
      }
      return (int) value;
    }
  }
}
