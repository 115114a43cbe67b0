package dev.ephyr.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node configuration in force on a running node, and its reload. A reload reads the sources again and
 * checks them exactly as the node's start did; on any problem nothing changes and the problems are the answer.
 * Otherwise the settings the catalogue marks {@link Setting.Change#RELOAD} are swapped in at once (one immutable
 * {@link NodeConfig} behind one reference: a reader sees all old or all new values, never a mix), and changed
 * settings that need a restart are reported by name and left as they are.
 */
public final class LiveConfig {
  private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);

  private final NodeConfig.Reader reader;
  private final AtomicReference<NodeConfig> current;
  private final AtomicReference<Duration> longestTaskTtl;
  private final List<Effect> effects = new CopyOnWriteArrayList<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** Hears the outcome of every reload, whoever asked for it (the audit trail). */
  public interface Listener {
    /** The reload applied {@code changes} (its {@code needsRestart} were not applied). */
    void reloaded(ConfigChanges changes);

    /** The reload was refused: nothing changed. */
    void refused(ConfigException why);
  }

  /**
   * What a reload must do besides swapping values, e.g. connect to a new signer. It runs before the swap and either
   * completes or throws having changed nothing; then the reload is refused with its message.
   */
  @FunctionalInterface
  public interface Effect {
    /** Makes {@code next} true of the node, where it differs from {@code running}. Blocking is allowed. */
    void apply(NodeConfig running, NodeConfig next) throws ConfigException;
  }

  /** The configuration {@code started} with, re-read by {@code reader} on reload. */
  public LiveConfig(NodeConfig started, NodeConfig.Reader reader) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.current = new AtomicReference<>(started);
    this.longestTaskTtl = new AtomicReference<>(started.tasks().maxTtl());
  }

  /**
   * Adds {@code effect} to every reload that applies something. Only one capability registers one (SSH); with
   * several, one that fails after another succeeded would leave the first applied.
   */
  public void onReload(Effect effect) {
    effects.add(effect);
  }

  /** Adds {@code listener} to every reload's outcome. */
  public void onOutcome(Listener listener) {
    listeners.add(listener);
  }

  /** The configuration in force now (cheap: read it at each use of a reloadable setting). */
  public NodeConfig current() {
    return current.get();
  }

  /**
   * The largest {@code tasks.max-ttl} in force since the node started: a token minted under it may still live,
   * so what must outlast every copy of a task uses this, not the value in force now.
   */
  public Duration longestTaskTtl() {
    return longestTaskTtl.get();
  }

  /**
   * Reads the configuration again and applies what may change on a live node. Blocking (reads a file): call it off
   * the event loops. Reloads are serialised, so two at once cannot interleave their swaps.
   *
   * @throws ConfigException the sources have problems (the message lists them as start would); nothing changed
   */
  public synchronized ConfigChanges reload() throws ConfigException {
    NodeConfig running = current.get();
    NodeConfig read;
    try {
      read = reader.read();
    } catch (ConfigException e) {
      throw refused(running, e);
    }
    ConfigChanges changes = ConfigChanges.between(running, read);
    if (!changes.applied().isEmpty()) {
      NodeConfig next = running.withReloadable(read);
      try {
        for (Effect e : effects) {
          e.apply(running, next);
        }
      } catch (ConfigException e) {
        throw refused(running, e);
      }
      longestTaskTtl.accumulateAndGet(next.tasks().maxTtl(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
      current.set(next);
      LOG.info("node {}: configuration reloaded, now in force: {}", running.nodeId(),
          String.join(", ", changes.applied()));
    }
    if (!changes.needsRestart().isEmpty()) {
      LOG.warn("node {}: configuration reload: changed settings that need a restart of this node were not applied: {}",
          running.nodeId(), String.join(", ", changes.needsRestart()));
    }
    listeners.forEach(l -> l.reloaded(changes));
    return changes;
  }

  private ConfigException refused(NodeConfig running, ConfigException e) {
    LOG.warn("node {}: configuration reload refused, nothing changed: {}", running.nodeId(), e.getMessage());
    listeners.forEach(l -> l.refused(e));
    return e;
  }
}
