package dev.ephyr.broker.ssh;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every certificate issued in the cluster, as a Hazelcast map serial → JSON (serial, key id, agent, task,
 * lineage with epochs, target, role, principal, CA, validity). Any node can list a task's certificates and
 * build the KRL from it. An entry expires a minute after its certificate does, so the map holds at most
 * what the signers' rate limits allow within one maximum certificate lifetime.
 */
final class CertRecords {
  static final String MAP = "ephyr.ssh.certs";
  private static final long GRACE_SECONDS = 60;

  private final IMap<String, String> map;
  private final Vertx vertx;

  CertRecords(HazelcastInstance hz, Vertx vertx) {
    this.map = hz.getMap(MAP);
    this.vertx = vertx;
  }

  /** Records a certificate until shortly after it expires. */
  Future<Void> put(JsonObject record, long nowSeconds, Context ctx) {
    long ttl = Math.max(1, record.getLong("valid_before") - nowSeconds + GRACE_SECONDS);
    return Future.fromCompletionStage(map.setAsync(String.valueOf(record.getLong("serial")), record.encode(), ttl,
        TimeUnit.SECONDS), ctx);
  }

  /** Every live record (the map is bounded; read off the event loop). */
  Future<List<JsonObject>> all() {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (String v : map.values()) {
        out.add(new JsonObject(v));
      }
      return out;
    }, false);
  }
}
