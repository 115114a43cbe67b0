package dev.ephyr.broker.ssh;

import dev.ephyr.broker.audit.AuditEvent;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.policy.RolePolicy;
import dev.ephyr.broker.policy.TargetPolicy;
import dev.ephyr.cluster.SerialGenerator;
import dev.ephyr.protocol.verify.TaskHop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Gets one short-lived certificate for a task: a cluster-unique serial, a fresh Ed25519 key pair that never
 * leaves this node, the lifetime clamped by role, target, node cap and the task's own expiry, the signature
 * from the signer process, and a record in the cluster so the KRL and {@code list_certs} see it before use.
 */
final class CertIssuer {
  /** A certificate shorter than this is not worth issuing (the task is about to expire). */
  static final Duration MIN_TTL = Duration.ofSeconds(5);

  private final SignerClient signer;
  private final SerialGenerator serials;
  private final CertRecords records;
  private final SshSettings settings;
  private final String caKey;
  private final String caFingerprint;
  private final String nodeId;
  private final Clock clock;
  private final AuditSink audit;

  CertIssuer(SignerClient signer, SerialGenerator serials, CertRecords records, SshSettings settings, String caKey,
      String nodeId, Clock clock, AuditSink audit) {
    this.audit = audit;
    this.signer = signer;
    this.serials = serials;
    this.records = records;
    this.settings = settings;
    this.caKey = caKey;
    this.caFingerprint = CaDirectory.fingerprint(caKey);
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /** Who a certificate is for: the agent, the acting task, its lineage (task, epoch) and the task's expiry. */
  record Subject(String agent, String task, List<TaskHop> lineage, long expiresAt) {}

  /** A certificate and its private key (the pair's public half is the certificate). */
  record Issued(KeyPair identity, long serial, String keyId, long validBefore, String certificate) {}

  /** Outcome: issued, or refused with a code. */
  sealed interface Outcome {}

  record Ok(Issued issued) implements Outcome {}

  record Refused(String code, String message) implements Outcome {}

  /** The lifetime: role, target, node default and cap, and the task's remaining time, whichever is least. */
  Duration ttl(TargetPolicy target, RolePolicy role, long taskExpiresAt) {
    Duration ttl = role.certTtl() != null ? role.certTtl() : settings.defaultCertTtl();
    if (target.certTtl() != null && target.certTtl().compareTo(ttl) < 0) {
      ttl = target.certTtl();
    }
    if (settings.maxCertTtl().compareTo(ttl) < 0) {
      ttl = settings.maxCertTtl();
    }
    Duration left = Duration.ofSeconds(taskExpiresAt - clock.instant().getEpochSecond());
    return left.compareTo(ttl) < 0 ? left : ttl;
  }

  Future<Outcome> issue(Subject who, TargetPolicy target, RolePolicy role, Context ctx) {
    Duration ttl = ttl(target, role, who.expiresAt());
    if (ttl.compareTo(MIN_TTL) < 0) {
      return Future.succeededFuture(new Refused("task_expiring", "the task expires too soon for a certificate"));
    }
    return Future.fromCompletionStage(serials.next(), ctx).compose(serial -> {
      KeyPair user = newKeyPair();
      String keyId = "ephyr:" + who.agent() + ":" + who.task() + ":" + serial;
      JsonObject options = new JsonObject();
      if (role.forceCommand() != null) {
        options.put("force-command", role.forceCommand());
      }
      if (settings.sourceAddress() != null) {
        options.put("source-address", settings.sourceAddress());
      }
      JsonObject req = new JsonObject().put("op", "sign").put("public_key", PublicKeyEntry.toString(user.getPublic()))
          .put("key_id", keyId).put("serial", serial).put("principals", new JsonArray().add(role.principal()))
          .put("ttl_seconds", ttl.toSeconds()).put("extensions", new JsonArray(List.copyOf(role.extensions())));
      if (!options.isEmpty()) {
        req.put("critical_options", options);
      }
      return Future.fromCompletionStage(signer.call(req), ctx).compose(reply -> {
        if (!reply.getBoolean("ok", false)) {
          return Future.succeededFuture((Outcome) new Refused("signer_refused", "the signer refused: "
              + reply.getString("error") + " (" + reply.getString("message") + ")"));
        }
        String line = reply.getString("certificate");
        PublicKey parsed = SshConnector.parseKey(line);
        if (!(parsed instanceof OpenSshCertificate cert) || cert.getSerial() != serial) {
          return Future.succeededFuture((Outcome) new Refused("signer_refused", "the signer returned no valid certificate"));
        }
        long validBefore = reply.getLong("valid_before");
        JsonArray lineage = new JsonArray();
        for (TaskHop h : who.lineage()) {
          lineage.add(new JsonObject().put("task", h.task()).put("epoch", h.epoch()));
        }
        JsonObject record = new JsonObject().put("serial", serial).put("key_id", keyId).put("agent", who.agent())
            .put("task", who.task()).put("lineage", lineage).put("target", target.name()).put("role", role.name())
            .put("principal", role.principal()).put("ca", caFingerprint).put("ca_key", caKey).put("node", nodeId)
            .put("valid_after", reply.getLong("valid_after")).put("valid_before", validBefore)
            .put("certificate", line); // public (useless without the private key, which stays here)
        return records.put(record, clock.instant().getEpochSecond(), ctx).map(v -> {
          audit.record(new AuditEvent(clock.instant(), nodeId, "-", "ssh certificate", "allow", "ok",
              "serial=" + serial + " key_id=" + keyId + " principal=" + role.principal() + " role=" + role.name()
                  + " valid_before=" + validBefore, who.agent(), who.task(), "target:" + target.name(), "-", 0, 0));
          return (Outcome) new Ok(new Issued(new KeyPair(cert, user.getPrivate()), serial, keyId, validBefore, line));
        });
      });
    });
  }

  /** A fresh Ed25519 key pair (BouncyCastle through sshd's security utilities: about 50 µs). */
  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = SecurityUtils.getKeyPairGenerator(SecurityUtils.EDDSA);
      g.initialize(256); // BouncyCastle's EdDSA generator: 255/256 bits selects Ed25519
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 key generation is not available", e);
    }
  }
}
