package dev.ephyr.broker.audit;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that chain audit records: one per keyring kid, derived from the master key with a label no token
 * identifier can take ({@code e1/...} is the only identifier form), so an audit key is never a token root key.
 * The active kid signs new records; every kid verifies, so files written before a rotation still verify.
 * No {@code toString}/{@code equals} of key bytes anywhere.
 */
public final class AuditKeys {
  static final byte[] LABEL = "ephyr-audit/1".getBytes(StandardCharsets.US_ASCII);

  private final String activeKid;
  private final Map<String, byte[]> keys = new TreeMap<>();
  private final Map<String, Mac> macs = new java.util.HashMap<>();

  private AuditKeys(Keyring keyring) {
    this.activeKid = keyring.activeKid();
    for (String kid : keyring.kids()) {
      keys.put(kid, keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get()));
    }
  }

  /** The audit keys of {@code keyring}. */
  public static AuditKeys of(Keyring keyring) {
    return new AuditKeys(keyring);
  }

  /** The kid that signs new records. */
  public String activeKid() {
    return activeKid;
  }

  /** Whether {@code kid} can be verified. */
  public boolean knows(String kid) {
    return keys.containsKey(kid);
  }

  /** Lowercase hex HMAC-SHA256 of {@code data} under {@code kid}'s audit key. */
  public String mac(String kid, byte[] data) {
    byte[] key = keys.get(kid);
    if (key == null) {
      throw new IllegalArgumentException("key id '" + kid + "' is not in the keyring");
    }
    // One writer thread in practice; the lock only makes a shared instance safe. doFinal resets the Mac.
    synchronized (macs) {
      Mac m = macs.get(kid);
      try {
        if (m == null) {
          m = Mac.getInstance("HmacSHA256");
          m.init(new SecretKeySpec(key, "HmacSHA256"));
          macs.put(kid, m);
        }
        return HexFormat.of().formatHex(m.doFinal(data));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("every JDK has HmacSHA256", e);
      }
    }
  }

  /** Constant-time check of a hex MAC. */
  public boolean check(String kid, byte[] data, String hexMac) {
    if (!knows(kid) || hexMac == null) {
      return false;
    }
    return MessageDigest.isEqual(mac(kid, data).getBytes(StandardCharsets.US_ASCII),
        hexMac.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "AuditKeys[" + keys.keySet() + ", active=" + activeKid + ", redacted]";
  }
}
