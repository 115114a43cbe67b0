package dev.ephyr.broker.bus;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * MACs for values nodes publish in the shared maps that something outside the cluster trusts (the SSH CA
 * directory that targets install): a member that joined without the keyring can write the map but cannot
 * make an entry that verifies. HMAC-SHA256 under {@code rootKey(kid, "ephyr-record/1")}; the active kid
 * signs, every kid verifies; the fields are length-prefixed so no two field lists share an input.
 */
public final class RecordMac {
  static final byte[] LABEL = "ephyr-record/1".getBytes(StandardCharsets.US_ASCII);

  private final String activeKid;
  private final Map<String, SecretKeySpec> keys = new HashMap<>();

  /** The record keys of {@code keyring}. */
  public RecordMac(Keyring keyring) {
    this.activeKid = keyring.activeKid();
    for (String kid : keyring.kids()) {
      byte[] k = keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get());
      keys.put(kid, new SecretKeySpec(k, "HmacSHA256"));
      java.util.Arrays.fill(k, (byte) 0);
    }
  }

  /** The kid that signs. */
  public String activeKid() {
    return activeKid;
  }

  /** Hex MAC of {@code fields} under the active kid. */
  public String sign(String... fields) {
    return mac(keys.get(activeKid), fields);
  }

  /** Whether {@code hexMac} is the MAC of {@code fields} under {@code kid} (constant time). */
  public boolean verify(String kid, String hexMac, String... fields) {
    SecretKeySpec key = kid == null ? null : keys.get(kid);
    if (key == null || hexMac == null) {
      return false;
    }
    return MessageDigest.isEqual(mac(key, fields).getBytes(StandardCharsets.US_ASCII),
        hexMac.getBytes(StandardCharsets.US_ASCII));
  }

  private static String mac(SecretKeySpec key, String... fields) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      for (String f : fields) {
        byte[] b = (f == null ? "" : f).getBytes(StandardCharsets.UTF_8);
        m.update(ByteBuffer.allocate(4).putInt(b.length).array());
        m.update(b);
      }
      return HexFormat.of().formatHex(m.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  @Override
  public String toString() {
    return "RecordMac[kid " + activeKid + ", keys redacted]";
  }
}
