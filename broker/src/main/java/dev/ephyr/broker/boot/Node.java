package dev.ephyr.broker.boot;

import dev.ephyr.broker.admin.AdminDeps;
import dev.ephyr.broker.admin.AdminRoutes;
import dev.ephyr.broker.admin.AdminSessions;
import dev.ephyr.broker.admin.AdminVerticle;
import dev.ephyr.broker.admin.CapabilityViews;
import dev.ephyr.broker.audit.AuditBacklog;
import dev.ephyr.broker.audit.AuditKeys;
import dev.ephyr.broker.audit.AuditMetrics;
import dev.ephyr.broker.audit.AuditQueryVerticle;
import dev.ephyr.broker.audit.AuditSettings;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.audit.AuditStats;
import dev.ephyr.broker.audit.AuditVerticle;
import dev.ephyr.broker.audit.BusRefusals;
import dev.ephyr.broker.audit.EventBusAuditSink;
import dev.ephyr.broker.audit.HeadCheck;
import dev.ephyr.broker.audit.LiveListeners;
import dev.ephyr.broker.audit.ConfigAudit;
import dev.ephyr.broker.audit.PolicyAudit;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.RecordMac;
import dev.ephyr.broker.config.ConfigChanges;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.LiveConfig;
import dev.ephyr.broker.config.HttpSettings;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.config.TaskSettings;
import dev.ephyr.broker.dashboard.DashboardRoutes;
import dev.ephyr.broker.federation.Federation;
import dev.ephyr.broker.federation.FederationLimits;
import dev.ephyr.broker.federation.FederationTools;
import dev.ephyr.broker.federation.FederationVerticle;
import dev.ephyr.broker.http.AuthenticateStep;
import dev.ephyr.broker.http.FrontVerticle;
import dev.ephyr.broker.mcp.McpEndpoint;
import dev.ephyr.broker.mcp.ListChanges;
import dev.ephyr.broker.mcp.McpSessions;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.PolicyException;
import dev.ephyr.broker.policy.PolicyStore;
import dev.ephyr.broker.proxy.ProxyTools;
import dev.ephyr.broker.proxy.Upstream;
import dev.ephyr.broker.ssh.SshModule;
import dev.ephyr.broker.state.BackupVerticle;
import dev.ephyr.broker.tasks.RestEndpoint;
import dev.ephyr.broker.tasks.TaskService;
import dev.ephyr.broker.tasks.TaskTools;
import dev.ephyr.broker.tracing.Tracing;
import dev.ephyr.cluster.ClusterConfig;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker node: a Hazelcast member (the cluster module), a clustered Vert.x on that same instance, and
 * the verticles by capability: the HTTP/MCP front (one instance per event loop) and the audit writer.
 * Token verification runs in-process in the front; nothing blocks an event loop.
 */
public final class Node {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final LiveConfig config;
  private final ClusterNode cluster;
  private final Vertx vertx;
  private final PolicyStore policy;
  private final Metrics metrics;
  private final LongAdder blockedThreadEvents;
  private final int port;
  private final String publicUrl;
  private final Tracing tracing;

  private Node(LiveConfig config, ClusterNode cluster, Vertx vertx, PolicyStore policy, Metrics metrics,
      LongAdder blocked, int port, String publicUrl, Tracing tracing) {
    this.config = config;
    this.cluster = cluster;
    this.vertx = vertx;
    this.policy = policy;
    this.metrics = metrics;
    this.blockedThreadEvents = blocked;
    this.port = port;
    this.publicUrl = publicUrl;
    this.tracing = tracing;
  }

  /**
   * Starts a node: joins the cluster, starts clustered Vert.x on the same Hazelcast instance, loads the
   * policy and deploys the verticles. The blocking parts run on a dedicated thread, never an event loop.
   */
  public static Future<Node> start(NodeConfig config) {
    return start(config, null);
  }

  /**
   * Starts a node whose spans go to {@code spans} as each ends, whatever {@code tracing.*} says (tests, and
   * embedders with an exporter of their own); {@code null} means as configured.
   */
  public static Future<Node> start(NodeConfig config, SpanExporter spans) {
    return start(config, spans, () -> {
      throw new ConfigException("this node's configuration was built in code, not read from a file: there is"
          + " nothing to reload");
    });
  }

  /**
   * Starts a node whose configuration {@code reader} reads again on {@link #reloadConfig} ({@code config} is what
   * it read for the start); {@code spans} as in {@link #start(NodeConfig, SpanExporter)}.
   */
  public static Future<Node> start(NodeConfig config, SpanExporter spans, NodeConfig.Reader reader) {
    Promise<Node> promise = Promise.promise();
    Thread t = new Thread(() -> {
      try {
        promise.complete(boot(config, spans, reader));
      } catch (Throwable e) {
        promise.fail(e);
      }
    }, "ephyr-node-start");
    t.setDaemon(true);
    t.start();
    return promise.future();
  }

  private static Node boot(NodeConfig given, SpanExporter spans, NodeConfig.Reader reader) throws Exception {
    NodeConfig config = given.withNodeIdDefault();
    LiveConfig live = new LiveConfig(config, reader);
    Keyring keyring = KeyringFile.load(config.node().keyring());
    Policy initial;
    try {
      initial = Policy.load(config.node().policy());
    } catch (PolicyException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    Map<String, String> cs = new LinkedHashMap<>(config.cluster());
    cs.put(ClusterConfig.NODE_ID, config.nodeId());
    cs.put(ClusterConfig.KEYRING_FINGERPRINT, keyring.fingerprint());
    cs.put(ClusterConfig.POLICY_HASH, initial.hash());
    cs.put(ClusterConfig.STATE_DIR, config.state().dir().toString());
    cs.put(ClusterConfig.STATE_MAX_BYTES, Long.toString(config.state().maxSize()));
    ClusterConfig clusterConfig;
    try {
      clusterConfig = ClusterConfig.fromMap(cs);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    ClusterNode cluster = ClusterNode.start(clusterConfig, r -> LOG.info("node {}: cluster {} ({})",
        config.nodeId(), r.state(), r.detail()));
    Vertx vertx = null;
    PolicyStore store = null;
    Metrics metrics = new Metrics();
    String clusterName = clusterConfig.clusterName();
    Tracing tracing = spans != null ? Tracing.exportingTo(spans, config.nodeId(), clusterName)
        : Tracing.of(config.tracing(), config.nodeId(), clusterName);
    try {
      VertxOptions options = new VertxOptions()
          .setBlockedThreadCheckInterval(config.vertx().blockedThreadCheckInterval().toMillis())
          .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
          .setMaxEventLoopExecuteTime(config.vertx().maxEventLoopExecuteTime().toMillis())
          .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
      if (config.vertx().eventLoops() > 0) {
        options.setEventLoopPoolSize(config.vertx().eventLoops());
      }
      options.setEventBusOptions(EventBusTls.options(config.eventBus(), clusterConfig.bindHost()));
      vertx = tracing.apply(Vertx.builder().with(options))
          .withClusterManager(new HazelcastClusterManager(cluster.hazelcast())).buildClustered().await();
      LongAdder blocked = BlockedThreads.count(vertx, config.nodeId());
      store = PolicyStore.open(vertx, config.node().policy());
      // Drift is judged by the hash in force now, published on every reload (the member attribute is the start's).
      cluster.publishPolicyHash(store.current().hash());
      store.onChange(p -> cluster.publishPolicyHash(p.hash()));
      Node node = assemble(live, keyring, cluster, vertx, store, blocked, metrics, tracing);
      LOG.info("node {}: serving MCP at {} (listening on {}:{})", config.nodeId(), node.mcpUrl(), config.http().host(),
          node.port());
      return node;
    } catch (Throwable e) {
      if (store != null) {
        store.close();
      }
      if (vertx != null) {
        try {
          vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // already failing
        }
      }
      cluster.close();
      tracing.close();
      throw e;
    }
  }

  private static Node assemble(LiveConfig live, Keyring keyring, ClusterNode cluster, Vertx vertx,
      PolicyStore store, LongAdder blocked, Metrics metrics, Tracing tracing) throws Exception {
    NodeConfig config = live.current(); // what is read once; reloadable settings are read from live at each use
    Clock clock = Clock.systemUTC();
    HttpSettings http = config.http();
    Verification verification = Verification.create(keyring, cluster, store, config.dpop(), clock);
    TokenVerifier verifier = verification.verifier();

    int port = http.port() != 0 ? http.port() : freePort(http.host());
    String publicBase = http.baseUrl(port);
    AuditBacklog auditBacklog = new AuditBacklog(config.audit().queue());
    AuditStats auditStats = new AuditStats();
    AuditSettings auditSettings = new AuditSettings(config.nodeId(), config.audit().dir(), config.audit().maxFileSize(),
        config.audit().sync(), AuditKeys.of(keyring), config.audit().acceptMissingHead() ? HeadCheck.ACCEPT_AND_RECORD
        : HeadCheck.REFUSE);
    AuditSink audit = new EventBusAuditSink(vertx, auditBacklog);
    AuditMetrics.register(metrics, auditStats, auditBacklog);
    PolicyAudit.install(store, audit, config.nodeId(), clock);
    ConfigAudit.install(live, audit, config.nodeId(), clock);
    String tokenUrl = publicBase + "/mcp";
    TaskService tasks = new TaskService(vertx, store::current, new TokenMinter(keyring), verifier, cluster.tasks(),
        cluster.watermarks(), UlidGenerator.systemDefault(), clock, () -> taskLimits(live.current().tasks(), tokenUrl),
        live::longestTaskTtl, metrics);
    McpSessions sessions = new McpSessions(keyring, clock, config.mcp().sessionTtl(), config.mcp().sessionMaxAge(),
        cluster.hazelcast());
    Federation federation = new Federation(vertx, store::current, metrics, FederationLimits.DEFAULTS, clock);
    // Seals what crosses the event bus between nodes with a keyring-derived key (docs/cluster.md).
    BusSeal busSeal = new BusSeal(keyring, config.nodeId(), clock, BusSeal.DEFAULT_WINDOW,
        new BusRefusals(audit, config.nodeId(), clock));
    SshModule ssh = SshModule.create(config.ssh(), config.nodeId(), http.requestTimeout(), cluster, vertx,
        store::current, audit, busSeal, new RecordMac(keyring), metrics);

    LiveListeners liveListeners = new LiveListeners(vertx, cluster.hazelcast(), config.nodeId());
    NodeGauges.register(metrics, cluster, blocked);

    // The order of each pipeline is written in Pipelines.
    Pipelines.Shared shared = new Pipelines.Shared(audit, metrics, config.nodeId(), clock,
        () -> live.current().http().allowedOrigins(),
        new AuthenticateStep(verification.authenticator(), publicBase, metrics), (int) Math.min(Integer.MAX_VALUE, http.bodyLimit()),
        tracing);
    Upstream proxy = new Upstream(vertx, store::current, System.getenv(), metrics);
    FederationTools federationTools = new FederationTools(federation);
    TaskTools taskTools = new TaskTools(tasks);
    // Open MCP streams hear when a caller's tool list may have changed: a policy reload, a remote found or lost.
    ListChanges listChanges = new ListChanges(ListChanges.Limits.DEFAULTS);
    store.onChange(p -> listChanges.changed(ListChanges.Cause.POLICY));
    federation.onCatalogueChange(() -> listChanges.changed(ListChanges.Cause.CATALOGUE));
    // A reload may link this node to another signer, or to none: connected (and its CA published) before the swap.
    live.onReload((running, next) -> {
      if (!java.util.Objects.equals(running.ssh().signerSocket(), next.ssh().signerSocket())) {
        ssh.switchSigner(next.ssh().signerSocket());
        listChanges.changed(ListChanges.Cause.CONFIG);
      }
    });
    McpEndpoint mcp = Pipelines.mcp(shared, http.requestTimeout(), publicBase, sessions, List.of(taskTools,
        ssh.tools(), new ProxyTools(proxy, http.requestTimeout().minusSeconds(1)), federationTools),
        () -> ClusterViews.snapshot(cluster), listChanges,
        Pipelines.callLimits(http.requestTimeout(), config.ssh(), config.mcp().progressInterval()));
    RestEndpoint rest = Pipelines.rest(shared, http.requestTimeout(), taskTools);
    FrontVerticle.Front front = new FrontVerticle.Front(config.nodeId(), http.host(), http.tlsCert(),
        http.tlsKey(), http.bodyLimit(), http.maxHeaderSize(), (int) Math.max(1, http.idleTimeout().getSeconds()),
        () -> ClusterViews.notReady(cluster), metrics, audit, new AtomicLong(), List.of(
            mcp,
            rest,
            ssh.routes(),
            Pipelines.proxy(shared, proxy, http.bodyLimit()),
            new DashboardRoutes(vertx, http.tlsCert().isPresent(), http.requestTimeout()),
            new AdminRoutes(vertx, config.nodeId(), audit, http.requestTimeout(), clock, busSeal, liveListeners)));

    vertx.deployVerticle(new AuditVerticle(auditSettings, auditBacklog, auditStats, clock,
        batch -> liveListeners.anyone() ? busSeal.seal(Addresses.AUDIT_LIVE, batch) : null),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new AuditQueryVerticle(auditSettings),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new BackupVerticle(cluster, keyring, config.nodeId(), clock)).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new AdminVerticle(new AdminDeps(config.nodeId(), store, live, cluster, tasks, audit, auditStats,
        auditBacklog, keyring.fingerprint(), blocked::sum, clock, config.admin().timeout(),
        dashboardSessions(keyring, clock, cluster), new CapabilityViews(
        () -> CapabilityViews.services(store.current()), federationTools::operatorStatus,
        ssh::issuedCertificates), busSeal)))
        .await(30, TimeUnit.SECONDS);
    // A worker: discovery's cold start (class loading, DNS, secret files) stays off the event loops.
    vertx.deployVerticle(new FederationVerticle(federation),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(ssh.verticle()).await(30, TimeUnit.SECONDS);
    int instances = http.instances() > 0 ? http.instances()
        : (config.vertx().eventLoops() > 0 ? config.vertx().eventLoops() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE);
    vertx.deployVerticle(() -> new FrontVerticle(front, port, p -> {}), new DeploymentOptions().setInstances(instances))
        .await(30, TimeUnit.SECONDS);
    return new Node(live, cluster, vertx, store, metrics, blocked, port, publicBase, tracing);
  }

  private static TaskService.Limits taskLimits(TaskSettings t, String tokenUrl) {
    return new TaskService.Limits(t.defaultTtl(), t.maxTtl(), t.delegateDefaultTtl(), t.maxBindWindow(), t.listLimit(),
        tokenUrl);
  }

  /** Dashboard sessions: a working day, then sign in again; signed-out sessions are shared through the cluster. */
  private static AdminSessions dashboardSessions(Keyring keyring, Clock clock, ClusterNode cluster) {
    return new AdminSessions(keyring, clock, java.time.Duration.ofHours(8), cluster.hazelcast());
  }

  /** A port that was free a moment ago (for "port 0"); all front instances then share it. */
  private static int freePort(String host) throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  /** The port the HTTP front listens on. */
  public int port() {
    return port;
  }

  /** The MCP endpoint's public URL. */
  public String mcpUrl() {
    return publicUrl + "/mcp";
  }

  /** The public base URL (what DPoP {@code htu} claims name, plus the path). */
  public String publicUrl() {
    return publicUrl;
  }

  /** This node's id. */
  public String nodeId() {
    return config.current().nodeId();
  }

  /** The node's configuration in force (a reload may have changed its reloadable settings). */
  public NodeConfig config() {
    return config.current();
  }

  /**
   * Reads the node configuration again and applies the settings that can change on a live node; fails with the
   * {@link ConfigException} start would give when the sources have problems (then nothing changed). Changed
   * settings that need a restart are named in the answer, not applied.
   */
  public Future<ConfigChanges> reloadConfig() {
    return vertx.executeBlocking(config::reload, false);
  }

  /** The cluster member (readiness, status). */
  public ClusterNode cluster() {
    return cluster;
  }

  /** The metrics registry. */
  public Metrics metrics() {
    return metrics;
  }

  /**
   * Reloads the policy file now (it is also reloaded when the file changes); a bad file keeps the old policy
   * and fails the future with the reason. Live tokens are narrowed by the new policy from the next request.
   */
  public Future<Void> reloadPolicy() {
    return policy.reload().mapEmpty();
  }

  /** How many blocked-thread warnings this node's Vert.x raised (tests assert zero). */
  public long blockedThreadWarnings() {
    return blockedThreadEvents.sum();
  }

  /** The node's Vert.x, for embedding it (and for tests that reach its event bus). */
  public Vertx vertx() {
    return vertx;
  }

  /** Stops serving, leaves the cluster and releases everything; safe to call from any thread. */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    Thread t = new Thread(() -> {
      try {
        try {
          vertx.close().await(30, TimeUnit.SECONDS);
        } finally {
          policy.close();
          cluster.close();
          tracing.close(); // exports what the last requests left queued
        }
        done.complete();
      } catch (Throwable e) {
        done.fail(e);
      }
    }, "ephyr-node-close");
    t.setDaemon(true);
    t.start();
    return done.future();
  }

  @Override
  public String toString() {
    return "Node[" + nodeId() + ", " + publicUrl + "]";
  }

}
