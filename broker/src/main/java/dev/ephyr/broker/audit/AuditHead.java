package dev.ephyr.broker.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The head file's content: which record was written last (file, seq, MAC), MAC'd with the audit key. A chain
 * alone cannot show that records were cut from its end; the head can, unless it is replaced by an older
 * copy of itself together with the files (see docs/audit.md, what verify proves).
 */
final class AuditHead {
  private static final int MAX_BYTES = 4096;

  private AuditHead() {}

  /** What a head file holds. */
  sealed interface Read {
    /** No head file. */
    record Missing() implements Read {}

    /** A head file that cannot be trusted; {@code problem} says why. */
    record Invalid(String problem) implements Read {}

    /** An authentic head: the last record written was {@code seq} in {@code file} with MAC {@code lastMac}. */
    record Valid(String file, long seq, String lastMac, String text) implements Read {}
  }

  /** Reads and checks the head file at {@code path}. */
  static Read read(Path path, AuditKeys keys) throws IOException {
    byte[] b;
    try {
      if (Files.size(path) > MAX_BYTES) {
        return new Read.Invalid("head file too large");
      }
      b = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return new Read.Missing();
    }
    String text = new String(b, StandardCharsets.UTF_8).trim();
    JsonObject h;
    try {
      h = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new Read.Invalid("head file is not JSON");
    }
    if (!check(h, keys)) {
      return new Read.Invalid("head file MAC mismatch (altered, or from another keyring)");
    }
    return new Read.Valid(h.getString("file"), h.getLong("seq"), h.getString("last_mac"), text);
  }

  static JsonObject sign(String file, long seq, String mac, AuditKeys keys) {
    String kid = keys.activeKid();
    return new JsonObject().put("file", file).put("seq", seq).put("last_mac", mac).put("kid", kid)
        .put("mac", keys.mac(kid, text(file, seq, mac)));
  }

  /** Whether {@code head} is authentic under {@code keys}. */
  static boolean check(JsonObject head, AuditKeys keys) {
    Object file = head.getValue("file");
    Object seq = head.getValue("seq");
    Object mac = head.getValue("last_mac");
    Object kid = head.getValue("kid");
    Object own = head.getValue("mac");
    if (!(file instanceof String f) || !(seq instanceof Number n) || !(mac instanceof String m)
        || !(kid instanceof String k) || !(own instanceof String h)) {
      return false;
    }
    return keys.knows(k) && keys.check(k, text(f, n.longValue(), m), h);
  }

  private static byte[] text(String file, long seq, String mac) {
    return ("ephyr-audit-head/1\n" + file + "\n" + seq + "\n" + mac).getBytes(StandardCharsets.UTF_8);
  }
}
