package dev.ephyr.broker.ssh;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.bus.RecordMac;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.http.Routes;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.tools.CallControl.Delivery;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.protocol.verify.WatermarkLookup;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH capability of one node, wired: the signer client (if a socket is configured), certificate
 * issuance, the connector, persistent sessions, the MCP tools, the CA/KRL routes, and a verticle that
 * receives forwarded session calls and revocation broadcasts and sweeps idle or dead sessions.
 */
public final class SshModule {
  private static final Logger LOG = LoggerFactory.getLogger(SshModule.class);

  private final SshTools tools;
  private final SshRoutes routes;
  private final SshSessions sessions;
  private final SshConnector connector;
  private final SignerLink signer;
  private final CaDirectory cas;
  private final CertRecords certs;
  private final String nodeId;
  private final Clock clock;
  private final BusSeal bus;
  private final WatermarkLookup watermarks;
  private final SignerProbe probe;
  private final Duration probeInterval;

  private SshModule(SshTools tools, SshRoutes routes, SshSessions sessions, SshConnector connector,
      SignerLink signer, CaDirectory cas, CertRecords certs, String nodeId, Clock clock, BusSeal bus,
      WatermarkLookup watermarks, SignerProbe probe, Duration probeInterval) {
    this.probe = probe;
    this.probeInterval = probeInterval;
    this.bus = bus;
    this.watermarks = watermarks;
    this.tools = tools;
    this.routes = routes;
    this.sessions = sessions;
    this.connector = connector;
    this.signer = signer;
    this.cas = cas;
    this.certs = certs;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /**
   * Builds the capability; with a signer socket configured, asks the signer for its CA key and publishes it
   * to the cluster. Blocking: call from the node's boot thread, never an event loop.
   */
  public static SshModule create(SshSettings settings, String nodeId, Duration requestTimeout, ClusterNode cluster,
      Vertx vertx, Supplier<Policy> policy, AuditSink audit, BusSeal bus, RecordMac records, Metrics metrics)
      throws ConfigException {
    Clock clock = Clock.systemUTC();
    CaDirectory cas = new CaDirectory(cluster.hazelcast(), vertx, records);
    CertRecords certs = new CertRecords(cluster.certificates(), vertx);
    SshConnector connector = new SshConnector(vertx, settings.connectTimeout());
    ExecRunner runner = new ExecRunner(vertx);
    SshSessions sessions = new SshSessions(vertx, nodeId, settings, cluster.watermarks(), policy, runner,
        cluster.hazelcast(), clock);
    SignerLink signer = new SignerLink(settings, nodeId, vertx, cluster.serials(), certs, cas, audit, clock);
    if (settings.enabled()) {
      // First use of sshd's client costs a few hundred ms: pay it here (the signer link warms the key classes).
      connector.warm("ssh-ed25519");
      signer.switchTo(settings.signerSocket());
    }
    SignerProbe probe = new SignerProbe(signer, nodeId, settings.signerTimeout());
    metrics.gauge(MeterCatalogue.SIGNER_UP, probe::up);
    ExecLimit execLimit = ExecLimit.of(settings, requestTimeout);
    if (settings.enabled() && execLimit.capsSettings()) {
      LOG.info("node {}: exec commands answered inline run at most {} s (default {} s), below ssh.max-exec-timeout "
          + "({} s, for calls that stream progress): an inline MCP answer must arrive within http.request-timeout "
          + "({} s)", nodeId, execLimit.longest(Delivery.INLINE).toSeconds(),
          execLimit.byDefault(Delivery.INLINE).toSeconds(), execLimit.longest(Delivery.STREAMED).toSeconds(),
          requestTimeout.toSeconds());
    }
    SshTools tools = new SshTools(vertx, nodeId, settings, execLimit, policy, signer, connector, runner,
        sessions, certs, clock, bus);
    return new SshModule(tools, new SshRoutes(cas, certs, cluster.watermarks(), clock), sessions, connector, signer,
        cas, certs, nodeId, clock, bus, cluster.watermarks(), probe, settings.signerProbeInterval());
  }

  /**
   * Links this node to the signer at {@code socket} ({@code null}: SSH off), for a configuration reload: the new
   * signer is reached and its CA key published first, so on failure nothing changes. Blocking: never on an event
   * loop.
   *
   * @throws ConfigException the signer cannot be reached or its CA key not published
   */
  public void switchSigner(java.nio.file.Path socket) throws ConfigException {
    if (socket != null) {
      connector.warm("ssh-ed25519");
    }
    signer.switchTo(socket);
  }

  /** Whether this node offers SSH now (it has a signer). */
  public boolean enabled() {
    return signer.enabled();
  }

  /** The MCP tools. */
  public ToolProvider tools() {
    return tools;
  }

  /** {@code /v1/ssh/ca} and {@code /v1/ssh/krl}. */
  public Routes routes() {
    return routes;
  }

  /** The verticle to deploy once per node (event-bus consumers, sweeping; closes everything on undeploy). */
  public VerticleBase verticle() {
    return new SshVerticle();
  }

  /** Certificates issued in the cluster and not yet expired (plus a minute), newest first, for operators. */
  public Future<JsonArray> issuedCertificates() {
    return certs.all().map(list -> {
      list.sort(java.util.Comparator.comparingLong((JsonObject r) -> r.getLong("serial", 0L)).reversed());
      return new JsonArray(new java.util.ArrayList<>(list));
    });
  }

  /** Number of persistent sessions open on this node. */
  public int openSessions() {
    return sessions.size();
  }

  private final class SshVerticle extends VerticleBase {
    @Override
    public Future<?> start() {
      vertx.setPeriodic(1000, id -> sessions.sweep());
      probe.probe(context);
      vertx.setPeriodic(probeInterval.toMillis(), id -> probe.probe(context));
      vertx.setPeriodic(TimeUnit.HOURS.toMillis(6), id -> {
        SignerLink.Linked l = signer.linked(); // the signer in use now (a reload may have changed it)
        if (l != null) {
          cas.publish(l.caKey(), nodeId, clock.instant().getEpochSecond())
              .onFailure(e -> LOG.warn("node {}: could not republish the SSH CA key: {}", nodeId, e.toString()));
        }
      });
      Future<Void> revoked = vertx.eventBus().<Object>consumer(Addresses.TASKS_REVOKED, m -> {
        // The bare task id; a JSON object with a task_id is read too.
        Object body = m.body();
        String task = body instanceof String t ? t
            : body instanceof JsonObject b && b.getValue("task_id") instanceof String t ? t : null;
        // Anyone on the bus can publish this; the replicated watermark (already in this node's mirror when
        // the revoke is acknowledged) is what says whether the task is revoked.
        if (task != null && watermarks.watermark(task) == WatermarkLookup.REVOKED) {
          sessions.closeSubtree(task, "task " + task + " revoked");
        }
      }).completion();
      Future<Void> forwarded = vertx.eventBus().<Object>consumer(Addresses.SSH_SESSION_PREFIX + nodeId,
          this::onSessionCall).completion();
      return Future.all(revoked, forwarded);
    }

    /** A session operation forwarded by another node: sealed by it, answered sealed to it. */
    private void onSessionCall(Message<Object> m) {
      Opened o = bus.open(m.address(), m.body());
      if (!(o instanceof Opened.Ok request)) {
        m.reply(SshSessions.denied("bus_refused", "the session request is not sealed by a node of this cluster"));
        return;
      }
      sessions.handle(request.body(), context).onComplete(ar -> m.reply(bus.sealReply(request, ar.succeeded()
          ? ar.result() : SshSessions.denied("session_error", "the session operation failed on node " + nodeId))));
    }

    @Override
    public Future<?> stop() {
      // Stopping MINA's clients waits for their I/O threads: not on an event loop.
      return vertx.executeBlocking(() -> {
        sessions.closeAll();
        connector.close();
        signer.close();
        return null;
      });
    }
  }
}
