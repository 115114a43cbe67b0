package dev.ephyr.broker.ssh;

import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.cluster.SerialGenerator;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's link to its SSH signer ({@code ssh.signer-socket}): none (SSH off on this node), or a connected
 * signer with its CA key and the certificate issuer over it. A configuration reload may point it at another
 * socket or unset it: the new signer is reached and its CA published before the link changes, so a signer that
 * cannot be reached leaves the old link in place. Certificates being issued when the link changes finish on the
 * old signer, which is closed a little later.
 */
final class SignerLink {
  private static final Logger LOG = LoggerFactory.getLogger(SignerLink.class);

  /** A connected signer: its socket, client, CA public key (OpenSSH line) and issuer. */
  record Linked(Path socket, SignerClient client, String caKey, CertIssuer issuer) {}

  private final SshSettings settings;
  private final String nodeId;
  private final Vertx vertx;
  private final SerialGenerator serials;
  private final CertRecords certs;
  private final CaDirectory cas;
  private final AuditSink audit;
  private final Clock clock;
  private final AtomicReference<Linked> current = new AtomicReference<>();
  /** Clients switched away from and not closed yet (closed after a grace, or when the node stops). */
  private final Set<SignerClient> retiring = ConcurrentHashMap.newKeySet();

  SignerLink(SshSettings settings, String nodeId, Vertx vertx, SerialGenerator serials, CertRecords certs,
      CaDirectory cas, AuditSink audit, Clock clock) {
    this.settings = settings;
    this.nodeId = nodeId;
    this.vertx = vertx;
    this.serials = serials;
    this.certs = certs;
    this.cas = cas;
    this.audit = audit;
    this.clock = clock;
  }

  /** The signer in use, or {@code null} when this node has none (SSH off). */
  Linked linked() {
    return current.get();
  }

  /** The certificate issuer, or {@code null} when SSH is off on this node. */
  CertIssuer issuer() {
    Linked l = current.get();
    return l == null ? null : l.issuer();
  }

  /** Whether this node offers SSH now. */
  boolean enabled() {
    return current.get() != null;
  }

  /**
   * Links to the signer at {@code socket} ({@code null}: none): asks it for its CA key and publishes that to the
   * cluster, then switches. Blocking (a signer call, a cluster write): never on an event loop. On failure the link
   * is as it was.
   *
   * @throws ConfigException the signer cannot be reached or its CA key not published
   */
  synchronized void switchTo(Path socket) throws ConfigException {
    Linked old = current.get();
    if (Objects.equals(old == null ? null : old.socket(), socket)) {
      return;
    }
    Linked next = socket == null ? null : connect(socket);
    current.set(next);
    if (next != null) {
      LOG.info("node {}: SSH signer at {} (CA {})", nodeId, socket, CaDirectory.fingerprint(next.caKey()));
    } else {
      LOG.info("node {}: SSH signer unset: SSH is off on this node", nodeId);
    }
    if (old != null) {
      // Calls that took the old issuer a moment ago may still be waiting on it: close it once they are done.
      retiring.add(old.client());
      long grace = settings.signerTimeout().toMillis() + 1000;
      vertx.setTimer(grace, id -> vertx.executeBlocking(() -> {
        if (retiring.remove(old.client())) {
          old.client().close();
        }
        return null;
      }, false));
    }
  }

  private Linked connect(Path socket) throws ConfigException {
    // First use of sshd's security registrars and key classes costs a few hundred ms: pay it here, off the loops.
    CertIssuer.newKeyPair();
    SignerClient client = new SignerClient(socket, settings.signerTimeout(), 2);
    String caKey;
    try {
      caKey = client.publicKey();
      SshConnector.parseKey(caKey); // warms the key parsers
    } catch (SignerClient.SignerUnavailableException e) {
      client.close();
      throw new ConfigException("ssh.signer-socket: cannot reach the signer at " + socket + " (" + e.getMessage()
          + "); start it with 'ephyr signer' or unset ssh.signer-socket");
    }
    try {
      cas.publish(caKey, nodeId, clock.instant().getEpochSecond()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      client.close();
      throw new ConfigException("interrupted while publishing the SSH CA key to the cluster");
    } catch (Exception e) {
      client.close();
      throw new ConfigException("cannot publish the SSH CA key to the cluster: " + e.getMessage());
    }
    SshSettings mine = new SshSettings(socket, settings.signerTimeout(), settings.signerProbeInterval(),
        settings.defaultCertTtl(),
        settings.maxCertTtl(), settings.connectTimeout(), settings.execTimeout(), settings.maxExecTimeout(),
        settings.outputLimit(), settings.sessionIdle(), settings.sessionMaxLifetime(), settings.maxSessionsPerTask(),
        settings.maxSessions(), settings.sourceAddress());
    return new Linked(socket, client, caKey, new CertIssuer(client, serials, certs, mine, caKey, nodeId, clock,
        audit));
  }

  /** Closes the signer client, if any (the node stops). */
  synchronized void close() {
    Linked l = current.getAndSet(null);
    if (l != null) {
      l.client().close();
    }
    for (SignerClient c : retiring) {
      if (retiring.remove(c)) {
        c.close();
      }
    }
  }
}
