package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.CallControl;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tool calls running on this node, by request id and owner, so that {@code notifications/cancelled} can
 * stop one. A request id is only unique within one client's session, so a call is found by the id <em>and</em>
 * its owner (agent, acting task and MCP session): a cancel naming another owner's request finds nothing and
 * is refused (and audited). Bounded: past {@link #MAX} calls a new one runs but cannot be cancelled by id
 * (a client disconnect still stops it).
 */
final class InFlight {
  /** Most calls tracked at once on one node. */
  static final int MAX = 10_000;

  /** What a cancel did. */
  enum Outcome {
    /** The caller's own call was running and is now cancelled. */
    CANCELLED,
    /** No call with that id runs here (finished already, never existed, or on another node). */
    UNKNOWN,
    /** A call with that id runs here, but it is someone else's: nothing was done. */
    NOT_YOURS
  }

  private final Map<String, Map<String, CallControl>> byId = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  /** Who owns a call: the same caller in the same MCP session (or none, where the revision has no sessions). */
  static String owner(Caller caller, McpSessions.Session session) {
    return caller.agent() + "|" + (caller.task() == null ? "-" : caller.task()) + "|"
        + (session == null ? "-" : session.id());
  }

  /** The id's text form: JSON-RPC ids {@code 1} and {@code "1"} are different requests. */
  static String idKey(Object id) {
    return id instanceof Number n ? "n:" + n.longValue() : "s:" + id;
  }

  /**
   * Tracks {@code control} until the returned action runs; returns null (not tracked) when the node is at
   * its bound or the owner already has a running call with this id.
   */
  Runnable track(String owner, Object id, CallControl control) {
    if (count.incrementAndGet() > MAX) {
      count.decrementAndGet();
      return null;
    }
    String key = idKey(id);
    boolean[] added = {false};
    byId.compute(key, (k, owners) -> {
      Map<String, CallControl> m = owners == null ? new ConcurrentHashMap<>(2) : owners;
      if (m.putIfAbsent(owner, control) == null) {
        added[0] = true;
      }
      return m;
    });
    if (!added[0]) {
      count.decrementAndGet();
      return null;
    }
    return () -> {
      boolean[] removed = {false};
      byId.computeIfPresent(key, (k, owners) -> {
        removed[0] = owners.remove(owner, control);
        return owners.isEmpty() ? null : owners;
      });
      if (removed[0]) {
        count.decrementAndGet();
      }
    };
  }

  /** Cancels {@code owner}'s call {@code id}, if it runs here. */
  Outcome cancel(String owner, Object id, String why) {
    Map<String, CallControl> owners = byId.get(idKey(id));
    if (owners == null || owners.isEmpty()) {
      return Outcome.UNKNOWN;
    }
    CallControl c = owners.get(owner);
    if (c == null) {
      return Outcome.NOT_YOURS;
    }
    c.cancel(why);
    return Outcome.CANCELLED;
  }
}
