package dev.ephyr.broker.mcp;

import io.vertx.core.Context;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's open tool-list-change streams ({@code subscriptions/listen} in 2026-07-28, the session's GET
 * stream in the 2025 revisions), bounded per node and per agent, and the one place told when a caller's tool
 * list may have changed (a policy reload, a federated remote found, changed or lost). Each stream then
 * rechecks on its own event loop; nothing here blocks. Thread-safe.
 */
public final class ListChanges {

  /**
   * Bounds of the streams of one node.
   *
   * @param maxStreams open streams on this node
   * @param maxPerAgent open streams of one agent on this node (one agent cannot take them all)
   * @param keepAlive how often a quiet stream sends a comment line
   * @param maxLife how long a stream lives before the server ends it (the client opens a new one)
   * @param maxQueuedBytes bytes a stream may have unread before it is closed
   */
  public record Limits(int maxStreams, int maxPerAgent, Duration keepAlive, Duration maxLife, int maxQueuedBytes) {
    /** The defaults: 1,000 streams per node, 32 per agent, a comment every 15 s, an hour each, 64 KiB unread. */
    public static final Limits DEFAULTS = new Limits(1_000, 32, Duration.ofSeconds(15), Duration.ofHours(1), 64 * 1024);

    /** Checks the bounds. */
    public Limits {
      if (maxStreams < 1 || maxPerAgent < 1 || maxQueuedBytes < 1024 || keepAlive.toMillis() < 100
          || maxLife.compareTo(keepAlive) < 0) {
        throw new IllegalArgumentException("list-change stream limits: streams and per-agent at least 1, queue at "
            + "least 1 KiB, keep-alive at least 100 ms and at most the stream's life");
      }
    }
  }

  /** Why the lists may have changed. */
  public enum Cause {
    /** The policy was reloaded: grants may differ for anyone, including what a token's envelope meets. */
    POLICY,
    /** A federated remote's tools were found, changed or lost. */
    CATALOGUE,
    /** The node configuration was reloaded: a capability's tools may have come or gone (SSH with its signer). */
    CONFIG
  }

  /** One open stream, told to recheck its caller's list on its own context. */
  interface Watcher {
    void recheck(Cause cause);
  }

  /** The outcome of {@link #admit}. */
  sealed interface Admission permits Admitted, Refused {}

  /** Admitted: release the ticket when the stream ends. */
  record Admitted(Ticket ticket) implements Admission {}

  /** Refused, with a message for the client. */
  record Refused(String message) implements Admission {}

  private final Limits limits;
  private final Set<Ticket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  private final Map<String, Integer> perAgent = new ConcurrentHashMap<>();

  /** A hub with these bounds. */
  public ListChanges(Limits limits) {
    this.limits = limits;
  }

  Limits limits() {
    return limits;
  }

  /** Admits a stream of {@code agent} whose {@code watcher} runs on {@code context}, unless a bound is reached. */
  Admission admit(String agent, Context context, Watcher watcher) {
    if (count.incrementAndGet() > limits.maxStreams()) {
      count.decrementAndGet();
      return new Refused("this node already serves its maximum of " + limits.maxStreams() + " list-change streams; "
          + "retry later or on another node");
    }
    boolean[] room = new boolean[1];
    perAgent.compute(agent, (a, n) -> {
      int c = n == null ? 0 : n;
      room[0] = c < limits.maxPerAgent();
      return room[0] ? Integer.valueOf(c + 1) : n;
    });
    if (!room[0]) {
      count.decrementAndGet();
      return new Refused("agent " + agent + " already has " + limits.maxPerAgent() + " list-change streams open on "
          + "this node; close one first");
    }
    Ticket t = new Ticket(agent, context, watcher);
    open.add(t);
    return new Admitted(t);
  }

  /** The tool lists may have changed: every open stream rechecks, on its own context. Any thread. */
  public void changed(Cause cause) {
    for (Ticket t : open) {
      t.context.runOnContext(v -> {
        if (!t.released.get()) {
          t.watcher.recheck(cause);
        }
      });
    }
  }

  /** Streams open on this node now. */
  public int openStreams() {
    return count.get();
  }

  /** An admitted stream's place in the bounds. */
  final class Ticket {
    private final String agent;
    private final Context context;
    private final Watcher watcher;
    private final AtomicBoolean released = new AtomicBoolean();

    private Ticket(String agent, Context context, Watcher watcher) {
      this.agent = agent;
      this.context = context;
      this.watcher = watcher;
    }

    /** Gives the place back; idempotent. */
    void release() {
      if (released.compareAndSet(false, true)) {
        open.remove(this);
        count.decrementAndGet();
        perAgent.computeIfPresent(agent, (a, n) -> n <= 1 ? null : n - 1);
      }
    }
  }
}
