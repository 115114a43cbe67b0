package dev.ephyr.broker.ssh;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ephyr.broker.bus.RecordMac;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CA public keys of every node's signer, in a Hazelcast map fingerprint → JSON (key line, node,
 * publication time, and a MAC keyed from the keyring). Each node republishes its own periodically; an entry
 * unrefreshed for a week drops out. Entries without a valid MAC (written by a member without the keyring)
 * are ignored: SSH targets install these keys as trusted CAs.
 */
final class CaDirectory {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CaDirectory.class);

  static final String MAP = "ephyr.ssh.ca";
  static final long TTL_HOURS = 24 * 7;

  private final IMap<String, String> map;
  private final Vertx vertx;
  private final RecordMac macs;

  CaDirectory(HazelcastInstance hz, Vertx vertx, RecordMac macs) {
    this.map = hz.getMap(MAP);
    this.vertx = vertx;
    this.macs = macs;
  }

  /** {@code SHA256:<base64>} of the key blob, as {@code ssh-keygen -l} prints it. */
  static String fingerprint(String keyLine) {
    try {
      byte[] blob = blob(keyLine);
      byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The wire blob of an OpenSSH public key line. */
  static byte[] blob(String keyLine) {
    String[] parts = keyLine.trim().split("\\s+");
    return Base64.getDecoder().decode(parts[1]);
  }

  /** Publishes (or refreshes) this node's CA key. */
  Future<Void> publish(String keyLine, String nodeId, long nowSeconds) {
    String fp = fingerprint(keyLine);
    JsonObject v = new JsonObject().put("public_key", keyLine).put("node", nodeId).put("published", nowSeconds)
        .put("kid", macs.activeKid()).put("mac", macs.sign(MAP, fp, keyLine, nodeId, Long.toString(nowSeconds)));
    return Future.fromCompletionStage(map.setAsync(fp, v.encode(), TTL_HOURS, TimeUnit.HOURS));
  }

  /** The entry if a node holding the keyring published it under this fingerprint; null otherwise. */
  private JsonObject authentic(String fp, String value) {
    try {
      JsonObject v = new JsonObject(value);
      String key = v.getString("public_key");
      String node = v.getString("node");
      Long published = v.getLong("published");
      if (key == null || node == null || published == null || !fp.equals(fingerprint(key))
          || !macs.verify(v.getString("kid"), v.getString("mac"), MAP, fp, key, node, Long.toString(published))) {
        LOG.warn("ignoring CA directory entry {}: not published by a node of this cluster", fp);
        return null;
      }
      return v;
    } catch (RuntimeException e) {
      LOG.warn("ignoring malformed CA directory entry {}", fp);
      return null;
    }
  }

  /** Every published CA key (key line, node) whose MAC verifies, read off the event loop. */
  Future<List<JsonObject>> all() {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (Map.Entry<String, String> e : map.entrySet()) {
        JsonObject v = authentic(e.getKey(), e.getValue());
        if (v != null) {
          out.add(v);
        }
      }
      out.sort((a, b) -> a.getString("public_key").compareTo(b.getString("public_key")));
      return out;
    }, false);
  }
}
