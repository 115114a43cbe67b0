package dev.ephyr.broker.federation;

import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.RemotePolicy;
import dev.ephyr.broker.proxy.SecretMatcher;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the federated MCP servers: one {@link Remote} per remote in the current policy, each
 * rediscovered periodically and after failures with exponential backoff and jitter. The schedule runs on
 * the federation verticle's context; tool calls read the remotes from any event loop.
 */
public final class Federation {
  private static final Logger LOG = LoggerFactory.getLogger(Federation.class);

  private final Vertx vertx;
  private final Supplier<Policy> policy;
  private final Metrics metrics;
  private final FederationLimits limits;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Remote> remotes = new ConcurrentHashMap<>();
  private final Map<String, Long> timers = new HashMap<>(); // verticle context only
  private final HttpClient client;
  private final RemoteHttp http;
  private Context context;
  private long reconcileTimer = -1;
  private Policy seen;
  private final List<Runnable> catalogueListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param vertx the node's Vert.x
   * @param policy the current policy (remotes come and go with it)
   * @param metrics where per-remote metrics go
   * @param limits bounds not set by the policy
   * @param clock for status times
   */
  public Federation(Vertx vertx, Supplier<Policy> policy, Metrics metrics, FederationLimits limits, Clock clock) {
    this.vertx = vertx;
    this.policy = policy;
    this.metrics = metrics;
    this.limits = limits;
    this.clock = clock;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setDecompressionSupported(false) // the byte caps count what the remote really sent
        .setVerifyHost(true)
        .setForceSni(true)
        .setKeepAlive(true)
        .setMaxHeaderSize(16 * 1024)
        .setMaxInitialLineLength(4 * 1024), new PoolOptions().setHttp1MaxSize(32));
    this.http = new RemoteHttp(vertx, client);
    long warm = System.nanoTime();
    ClientWarmup.run(); // on the node-building thread, so the first remote connection loads nothing
    SecretMatcher.of(List.of("warm-up-secret")); // its spelling tables too
    LOG.debug("federation: HTTP client warm-up took {} ms", (System.nanoTime() - warm) / 1_000_000);
  }

  /**
   * Runs {@code listener} (on the federation's context; it must not block) when the tools a remote offers may
   * have changed: a remote was removed, came up, went down, or lists other tools than before.
   */
  public void onCatalogueChange(Runnable listener) {
    catalogueListeners.add(listener);
  }

  private void catalogueChanged() {
    for (Runnable l : catalogueListeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.error("federation: catalogue listener failed", e);
      }
    }
  }

  /** The bounds in force. */
  FederationLimits limits() {
    return limits;
  }

  /** The remote named {@code name}, when the current policy has it and this node runs it. */
  Remote remote(String name) {
    return remotes.get(name);
  }

  /** Starts the schedule on {@code ctx} (the federation verticle's context). */
  void start(Context ctx) {
    this.context = ctx;
    reconcile();
    reconcileTimer = vertx.setPeriodic(limits.reconcileEvery().toMillis(), id -> reconcile());
  }

  /** Stops every timer and closes the HTTP client. */
  io.vertx.core.Future<Void> stop() {
    vertx.cancelTimer(reconcileTimer);
    timers.values().forEach(vertx::cancelTimer);
    timers.clear();
    return client.close();
  }

  /** Brings the running remotes in line with the current policy: new ones start, changed ones restart. */
  private void reconcile() {
    Policy p = policy.get();
    if (p == seen) {
      return;
    }
    seen = p;
    Map<String, RemotePolicy> wanted = p.remotes();
    for (String name : Map.copyOf(remotes).keySet()) {
      RemotePolicy rp = wanted.get(name);
      if (rp == null || !rp.equals(remotes.get(name).policy())) {
        remotes.remove(name);
        Long t = timers.remove(name);
        if (t != null) {
          vertx.cancelTimer(t);
        }
        LOG.info("federation: remote {} {}", name, rp == null ? "removed from the policy" : "changed; rediscovering");
        catalogueChanged();
      }
    }
    for (RemotePolicy rp : wanted.values()) {
      if (!remotes.containsKey(rp.name())) {
        Remote r = new Remote(rp, limits, vertx, http, clock);
        remotes.put(rp.name(), r);
        registerGauges(rp.name());
        refresh(r);
      }
    }
  }

  private void registerGauges(String name) {
    metrics.gauge(MeterCatalogue.FEDERATION_REMOTE_UP, () -> {
      Remote r = remotes.get(name);
      return r != null && r.status().up() ? 1 : 0;
    }, name);
    metrics.gauge(MeterCatalogue.FEDERATION_REMOTE_TOOLS, () -> {
      Remote r = remotes.get(name);
      Catalogue c = r == null ? null : r.catalogue();
      return c == null ? 0 : c.tools().size();
    }, name);
  }

  /** Runs discovery for {@code r} now and schedules the next one. Verticle context only. */
  private void refresh(Remote r) {
    timers.remove(r.name());
    List<String> before = toolNames(r);
    r.discover().onComplete(ar -> {
      if (remotes.get(r.name()) != r) {
        return; // removed or replaced meanwhile
      }
      if (!before.equals(toolNames(r))) {
        catalogueChanged();
      }
      Duration delay;
      if (ar.succeeded()) {
        metrics.counter(MeterCatalogue.FEDERATION_REFRESH).get(r.name(), "ok").increment();
        delay = r.policy().refresh();
        Catalogue c = ar.result();
        LOG.info("federation: remote {} up, {} tools{}{}", r.name(), c.tools().size(),
            c.dropped() > 0 ? ", " + c.dropped() + " dropped" : "", c.truncated() ? ", list truncated" : "");
      } else {
        RemoteFailure f = Remote.asFailure(ar.cause());
        metrics.counter(MeterCatalogue.FEDERATION_REFRESH).get(r.name(), f.kind().code()).increment();
        delay = backoff(r.status().failures(), r.policy().refresh());
        LOG.warn("federation: remote {} down ({}: {}); retrying in {} ms", r.name(), f.kind().code(),
            r.redact(f.getMessage()), delay.toMillis());
      }
      schedule(r, delay);
    });
  }

  /** The names {@code r} offers now (empty while it is down or undiscovered). */
  private static List<String> toolNames(Remote r) {
    Catalogue c = r.catalogue();
    if (c == null || !r.status().up()) {
      return List.of();
    }
    List<String> names = new java.util.ArrayList<>();
    for (RemoteTool t : c.all()) {
      names.add(t.listed());
    }
    return names;
  }

  private void schedule(Remote r, Duration delay) {
    Long old = timers.remove(r.name());
    if (old != null) {
      vertx.cancelTimer(old);
    }
    r.updateStatus(s -> s.next(clock.instant().plus(delay)));
    timers.put(r.name(), vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      if (remotes.get(r.name()) == r) {
        refresh(r);
      }
    }));
  }

  /**
   * A call found the remote unreachable: probe it soon instead of at the next periodic refresh, so a
   * restarted remote is found again quickly. Any thread.
   */
  void unreachable(Remote r) {
    if (context == null) {
      return;
    }
    context.runOnContext(v -> {
      if (remotes.get(r.name()) != r) {
        return;
      }
      RemoteStatus s = r.status();
      Duration soon = backoff(Math.max(1, s.failures()), r.policy().refresh());
      if (s.nextRefresh() == null || s.nextRefresh().isAfter(clock.instant().plus(soon))) {
        schedule(r, soon);
      }
    });
  }

  private Duration backoff(int failures, Duration refresh) {
    return backoff(limits, failures, refresh, random.nextDouble());
  }

  /**
   * Exponential backoff with jitter: initial·2^(failures−1), capped by the limit and the refresh interval,
   * then scaled to 50–100 % by {@code unit} (uniform in [0, 1)) so nodes do not retry in step.
   */
  static Duration backoff(FederationLimits limits, int failures, Duration refresh, double unit) {
    long cap = Math.min(limits.backoffMax().toMillis(), refresh.toMillis());
    long base = limits.backoffInitial().toMillis();
    long d = base << Math.min(20, Math.max(0, failures - 1));
    d = Math.min(cap, Math.max(base, d));
    long jittered = d / 2 + (long) (unit * (d - d / 2));
    return Duration.ofMillis(Math.max(1, jittered));
  }

  /** The current policy. */
  Policy policy() {
    return policy.get();
  }

  Metrics metrics() {
    return metrics;
  }

  Clock clock() {
    return clock;
  }
}
