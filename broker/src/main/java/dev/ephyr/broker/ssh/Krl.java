package dev.ephyr.broker.ssh;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedSet;

/**
 * Writes an OpenSSH key revocation list (the binary format of OpenSSH's {@code PROTOCOL.krl}, read by
 * sshd's {@code RevokedKeys} and {@code ssh-keygen -Q}): one certificate section per CA, each with the
 * revoked serials as a serial list.
 */
final class Krl {
  private static final long MAGIC = 0x5353484b524c0a00L; // "SSHKRL\n\0"
  private static final int FORMAT_VERSION = 1;
  private static final int SECTION_CERTIFICATES = 1;
  private static final int CERT_SERIAL_LIST = 0x20;

  private Krl() {}

  /**
   * The KRL revoking, for each CA (its public key blob), the given serials.
   *
   * @param version the KRL's version number (increases between generations)
   * @param generatedAt unix seconds
   * @param revoked CA public key line ({@code ssh-ed25519 AAAA...}) → serials issued by it that are revoked
   */
  static byte[] write(long version, long generatedAt, Map<String, SortedSet<Long>> revoked, String comment) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeLong(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeLong(version);
      out.writeLong(generatedAt);
      out.writeLong(0); // flags
      string(out, new byte[0]); // reserved
      string(out, comment.getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, SortedSet<Long>> ca : revoked.entrySet()) {
        if (ca.getValue().isEmpty()) {
          continue;
        }
        ByteArrayOutputStream serials = new ByteArrayOutputStream();
        DataOutputStream s = new DataOutputStream(serials);
        for (long serial : ca.getValue()) {
          s.writeLong(serial);
        }
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        DataOutputStream sec = new DataOutputStream(section);
        string(sec, CaDirectory.blob(ca.getKey()));
        string(sec, new byte[0]); // reserved
        sec.writeByte(CERT_SERIAL_LIST);
        string(sec, serials.toByteArray());
        out.writeByte(SECTION_CERTIFICATES);
        string(out, section.toByteArray());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
  }

  private static void string(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }
}
