package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The head file's content: which record was written last (file, seq, MAC), MAC'd with the audit key. A chain
 * alone cannot show that records were cut from its end; the head can, unless it is replaced by an older
 * copy of itself (see docs/audit.md, limits).
 */
final class AuditHead {
  private AuditHead() {}

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
    return keys.check(k, text(f, n.longValue(), m), h);
  }

  private static byte[] text(String file, long seq, String mac) {
    return ("ephyr-audit-head/1\n" + file + "\n" + seq + "\n" + mac).getBytes(StandardCharsets.UTF_8);
  }
}
