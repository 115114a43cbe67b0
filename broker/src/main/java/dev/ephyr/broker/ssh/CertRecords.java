package dev.ephyr.broker.ssh;

import dev.ephyr.cluster.CertificateLedger;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every certificate issued in the cluster, as JSON records (serial, key id, agent, task, lineage with epochs,
 * target, role, principal, CA, validity) in the cluster's certificate ledger, which keeps them on disk on
 * every member. Any node can list a task's certificates and build the KRL from it. A record is kept until a
 * minute after its certificate expires, so the ledger holds at most what the signers' rate limits allow
 * within one maximum certificate lifetime.
 */
final class CertRecords {
  private static final long GRACE_SECONDS = 60;

  private final CertificateLedger ledger;
  private final Vertx vertx;

  CertRecords(CertificateLedger ledger, Vertx vertx) {
    this.ledger = ledger;
    this.vertx = vertx;
  }

  /** Records a certificate until shortly after it expires; completes once durable on every live member. */
  Future<Void> put(JsonObject record, long nowSeconds, Context ctx) {
    Instant keepUntil = Instant.ofEpochSecond(Math.max(nowSeconds, record.getLong("valid_before")) + GRACE_SECONDS);
    // The ledger's first call may create a map proxy (blocking): make it from a worker.
    return vertx.<java.util.concurrent.CompletionStage<Void>>executeBlocking(
            () -> ledger.put(record.getLong("serial"), record.encode(), keepUntil), false)
        .compose(stage -> Future.fromCompletionStage(stage, ctx));
  }

  /** Every live record (the ledger is bounded; read off the event loop). */
  Future<List<JsonObject>> all() {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (String v : ledger.all().toCompletableFuture().join()) {
        out.add(new JsonObject(v));
      }
      return out;
    }, false);
  }
}
