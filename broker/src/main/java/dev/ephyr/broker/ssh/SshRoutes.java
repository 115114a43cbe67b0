package dev.ephyr.broker.ssh;

import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import dev.ephyr.protocol.verify.WatermarkLookup;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What SSH hosts fetch, without credentials (both are public): {@code GET /v1/ssh/ca}, the CA keys of every
 * node's signer as a {@code TrustedUserCAKeys} file, and {@code GET /v1/ssh/krl}, an OpenSSH KRL of the
 * live certificates issued to revoked task subtrees, for {@code RevokedKeys}. Without any CA key in the cluster,
 * {@code /v1/ssh/ca} answers 503 with a JSON reason rather than an empty file.
 */
public final class SshRoutes implements Routes {
  /** The error code of {@code /v1/ssh/ca} when no node publishes a CA key. */
  static final String NO_CA = "ssh_ca_unavailable";

  private final CaDirectory cas;
  private final CertRecords certs;
  private final WatermarkLookup watermarks;
  private final Clock clock;

  SshRoutes(CaDirectory cas, CertRecords certs, WatermarkLookup watermarks, Clock clock) {
    this.cas = cas;
    this.certs = certs;
    this.watermarks = watermarks;
    this.clock = clock;
  }

  @Override
  public void mount(Router router, Responder responder) {
    router.get("/v1/ssh/ca").handler(ctx -> responder.respond(ctx, ex -> cas.all().map(list -> {
      if (list.isEmpty()) {
        // An empty 200 would make a target's fetch job install an empty TrustedUserCAKeys file and carry on.
        return Reply.error(503, NO_CA, "no node of this cluster has an SSH signer: set ssh.signer-socket on a node"
            + " and reload its configuration (ephyr admin config-reload, docs/ssh.md)", "no CA key published");
      }
      StringBuilder b = new StringBuilder();
      for (JsonObject ca : list) {
        b.append(ca.getString("public_key")).append(" ephyr-ca:").append(ca.getString("node")).append('\n');
      }
      return new Reply(200, Map.of("Content-Type", "text/plain; charset=utf-8"), Buffer.buffer(b.toString()),
          Reply.Audit.allow("GET /v1/ssh/ca"));
    })));
    router.get("/v1/ssh/krl").handler(ctx -> responder.respond(ctx, ex -> krl().map(bytes ->
        new Reply(200, Map.of("Content-Type", "application/octet-stream",
            "Content-Disposition", "attachment; filename=\"ephyr.krl\""), Buffer.buffer(bytes),
            Reply.Audit.allow("GET /v1/ssh/krl")))));
    router.get("/v1/ssh/krl.json").handler(ctx -> responder.respond(ctx, ex -> revoked().map(map -> {
      JsonArray out = new JsonArray();
      map.forEach((ca, serials) -> out.add(new JsonObject().put("ca", CaDirectory.fingerprint(ca))
          .put("serials", new JsonArray(new java.util.ArrayList<>(serials)))));
      return Reply.json(200, new JsonObject().put("revoked", out), Reply.Audit.allow("GET /v1/ssh/krl.json"));
    })));
  }

  /** CA key line → serials of live certificates whose lineage holds a revoked task. */
  Future<Map<String, SortedSet<Long>>> revoked() {
    long now = clock.instant().getEpochSecond();
    return certs.all().map(all -> {
      Map<String, SortedSet<Long>> out = new TreeMap<>();
      for (JsonObject c : all) {
        if (c.getLong("valid_before", 0L) <= now || c.getString("ca_key") == null) {
          continue;
        }
        if (lineageRevoked(c.getJsonArray("lineage", new JsonArray()))) {
          out.computeIfAbsent(c.getString("ca_key"), k -> new TreeSet<>()).add(c.getLong("serial"));
        }
      }
      return out;
    });
  }

  private boolean lineageRevoked(JsonArray lineage) {
    for (Object o : lineage) {
      if (o instanceof JsonObject hop && watermarks.watermark(hop.getString("task")) > hop.getLong("epoch")) {
        return true;
      }
    }
    return false;
  }

  /** The KRL bytes. */
  Future<byte[]> krl() {
    long now = clock.instant().getEpochSecond();
    return revoked().map(map -> Krl.write(clock.millis(), now, map, "ephyr"));
  }
}
