package dev.ephyr.broker.policy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current policy; reloads on file change (polling, off the event loop) and on demand; keeps the old
 * policy on a bad reload and reports why.
 *
 * <p>Polling rather than a {@code WatchService}: it works the same on every file system (bind mounts, NFS,
 * editors that replace the file by rename), and a policy file is small enough to hash every poll.
 */
public final class PolicyStore implements AutoCloseable {

  /** How often the file is checked when no interval is given. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(PolicyStore.class);

  private final Vertx vertx;
  private final Path file;
  private final List<Consumer<Policy>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PolicyException>> failureListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean polling = new AtomicBoolean();
  private final Object swapLock = new Object();
  private volatile Policy current;
  /** SHA-256 of the bytes last examined (good or bad), so an unchanged bad file is not re-reported every poll. */
  private volatile String lastSeenDigest;
  private volatile PolicyException lastError;
  private volatile boolean closed;
  private volatile long timerId = -1;

  private PolicyStore(Vertx vertx, Path file, Policy initial, String digest) {
    this.vertx = vertx;
    this.file = file;
    this.current = initial;
    this.lastSeenDigest = digest;
  }

  /** Loads {@code file} now (blocking; the initial load must succeed) and polls it every {@link #DEFAULT_POLL}. */
  public static PolicyStore open(Vertx vertx, Path file) throws PolicyException {
    return open(vertx, file, DEFAULT_POLL);
  }

  /** Loads {@code file} now (blocking; the initial load must succeed) and polls it every {@code poll}. */
  public static PolicyStore open(Vertx vertx, Path file, Duration poll) throws PolicyException {
    Objects.requireNonNull(vertx, "vertx");
    if (poll.toMillis() < 10) {
      throw new IllegalArgumentException("poll interval must be at least 10 ms");
    }
    String text = Policy.read(file);
    Policy initial = Policy.parse(text, displayName(file));
    logWarnings(initial);
    PolicyStore store = new PolicyStore(vertx, file, initial, digest(text));
    // Started only once the store is fully built: the timer fires on another thread.
    store.timerId = vertx.setPeriodic(poll.toMillis(), id -> store.poll());
    return store;
  }

  /** The policy in force. */
  public Policy current() {
    return current;
  }

  /** The file this store watches. */
  public Path file() {
    return file;
  }

  /** Why the last reload failed, if the file currently on disk is not the policy in force. */
  public Optional<String> lastError() {
    PolicyException e = lastError;
    return e == null ? Optional.empty() : Optional.of(e.getMessage());
  }

  /**
   * Re-reads the file now (off the event loop). Succeeds with the policy in force — the new one, or the same
   * one when nothing changed; fails with the {@link PolicyException} of a bad file, keeping the old policy.
   */
  public Future<Policy> reload() {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("policy store is closed"));
    }
    return vertx.executeBlocking(this::load, false).compose(this::publish);
  }

  /** Calls {@code listener} with every new policy, on a Vert.x context thread; it must not block. */
  public void onChange(Consumer<Policy> listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  /**
   * Calls {@code listener} once per distinct bad file seen (polled or reloaded on demand), on a Vert.x context
   * thread, e.g. to audit it; the old policy stays in force. It must not block.
   */
  public void onReloadFailed(Consumer<PolicyException> listener) {
    failureListeners.add(Objects.requireNonNull(listener));
  }

  /** Stops polling. */
  @Override
  public void close() {
    closed = true;
    vertx.cancelTimer(timerId);
  }

  private void poll() {
    if (closed || !polling.compareAndSet(false, true)) {
      return; // the previous poll is still reading; skip rather than queue up
    }
    vertx.executeBlocking(this::load, false)
        .compose(this::publish)
        .onComplete(r -> polling.set(false));
  }

  /** Reads the file and, if its content changed since last seen, parses it and swaps it in when good. */
  private Outcome load() {
    String text;
    String digest;
    try {
      text = Policy.read(file);
      digest = digest(text);
    } catch (PolicyException e) {
      return reject(e, "unreadable:" + e.getMessage());
    }
    synchronized (swapLock) {
      if (digest.equals(lastSeenDigest)) {
        PolicyException last = lastError;
        return new Outcome(current, false, last, false);
      }
      Policy next;
      try {
        next = Policy.parse(text, displayName(file));
      } catch (PolicyException e) {
        return reject(e, digest);
      }
      lastSeenDigest = digest;
      lastError = null;
      if (next.hash().equals(current.hash())) {
        return new Outcome(current, false, null, false); // only comments or layout changed
      }
      Policy old = current;
      current = next;
      LOG.info("policy reloaded from {}: hash {} -> {}, {} agents", file, shortHash(old), shortHash(next),
          next.agents().size());
      logWarnings(next);
      return new Outcome(next, true, null, false);
    }
  }

  private Outcome reject(PolicyException e, String digest) {
    synchronized (swapLock) {
      boolean fresh = !digest.equals(lastSeenDigest);
      lastSeenDigest = digest;
      lastError = e;
      if (fresh) {
        LOG.warn("policy reload failed, keeping policy {}: {}", shortHash(current), e.getMessage());
      }
      return new Outcome(current, false, e, fresh);
    }
  }

  /** Tells listeners (on the calling Vert.x context) and turns a failure into a failed future. */
  private Future<Policy> publish(Outcome o) {
    if (o.failure() != null) {
      if (o.freshFailure()) {
        for (Consumer<PolicyException> l : failureListeners) {
          try {
            l.accept(o.failure());
          } catch (RuntimeException ex) {
            LOG.error("policy failure listener failed", ex);
          }
        }
      }
      return Future.failedFuture(o.failure());
    }
    if (o.changed()) {
      for (Consumer<Policy> l : listeners) {
        try {
          l.accept(o.policy());
        } catch (RuntimeException ex) {
          LOG.error("policy change listener failed", ex);
        }
      }
    }
    return Future.succeededFuture(o.policy());
  }

  /**
   * A load's result: the policy in force, whether it is new, and the failure of the file on disk (with
   * whether this is the first time that exact content failed, so listeners hear of it once).
   */
  private record Outcome(Policy policy, boolean changed, PolicyException failure, boolean freshFailure) {}

  private static void logWarnings(Policy p) {
    for (PolicyProblem w : p.warnings()) {
      LOG.warn("policy warning: {}", w);
    }
  }

  private static String shortHash(Policy p) {
    return p.hash().substring(0, 12);
  }

  private static String displayName(Path file) {
    return file.getFileName() == null ? file.toString() : file.getFileName().toString();
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
