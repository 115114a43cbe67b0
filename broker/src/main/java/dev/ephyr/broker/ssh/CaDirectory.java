package dev.ephyr.broker.ssh;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CA public keys of every node's signer, in a Hazelcast map fingerprint → JSON (key line, node,
 * publication time). Each node republishes its own periodically; an entry unrefreshed for a week drops out.
 */
final class CaDirectory {
  static final String MAP = "ephyr.ssh.ca";
  static final long TTL_HOURS = 24 * 7;

  private final IMap<String, String> map;
  private final Vertx vertx;

  CaDirectory(HazelcastInstance hz, Vertx vertx) {
    this.map = hz.getMap(MAP);
    this.vertx = vertx;
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
    JsonObject v = new JsonObject().put("public_key", keyLine).put("node", nodeId).put("published", nowSeconds);
    return Future.fromCompletionStage(map.setAsync(fingerprint(keyLine), v.encode(), TTL_HOURS, TimeUnit.HOURS));
  }

  /** Every published CA key (key line, node), read off the event loop. */
  Future<List<JsonObject>> all() {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (String v : map.values()) {
        out.add(new JsonObject(v));
      }
      out.sort((a, b) -> a.getString("public_key").compareTo(b.getString("public_key")));
      return out;
    }, false);
  }
}
