package dev.ephyr.broker.state;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Public check values of a keyring's keys, one per key id, written into a backup's manifest: a restore proves
 * that its keyring holds the key the backup was made under without either side revealing it. A check value is
 * the SHA-256 of a key derived for this purpose alone (a label no token identifier can take), cut to 128 bits.
 */
final class KeyringChecks {
  private static final byte[] LABEL = "ephyr-backup-check/1".getBytes(StandardCharsets.US_ASCII);

  private KeyringChecks() {}

  /** Key id → check value, for every key of {@code keyring}. */
  static Map<String, String> of(Keyring keyring) {
    Map<String, String> out = new TreeMap<>();
    for (String kid : keyring.kids()) {
      byte[] derived = keyring.rootKey(kid, LABEL).toBytes(InsecureSecretAccess.get());
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(derived);
        out.put(kid, HexFormat.of().formatHex(digest, 0, 16));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      } finally {
        java.util.Arrays.fill(derived, (byte) 0);
      }
    }
    return out;
  }

  /** Whether {@code keyring} holds key {@code kid} with check value {@code expected} (constant-time compare). */
  static boolean holds(Keyring keyring, String kid, String expected) {
    String mine = of(keyring).get(kid);
    return mine != null && expected != null && MessageDigest.isEqual(mine.getBytes(StandardCharsets.US_ASCII),
        expected.getBytes(StandardCharsets.US_ASCII));
  }
}
