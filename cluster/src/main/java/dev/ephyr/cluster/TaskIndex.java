package dev.ephyr.cluster;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of every task record in the cluster, indexed by agent and by root, so that listings shown to
 * callers ({@code task_list}, trees for display) are answered from memory on any node instead of by a query that
 * every member must answer. Fed by the task map's entry events and by this node's own writes, reloaded in full
 * after a merge or a membership change. Display only: no decision reads it, since a change made through another
 * node reaches it after the event's delay.
 *
 * <p>Complete or off: it answers only after a full load, and switches itself off (listings go back to the
 * cluster query) when the cluster holds more records than {@code maxEntries}, until a reload fits again.
 */
final class TaskIndex {
  private static final Logger LOG = LoggerFactory.getLogger(TaskIndex.class);
  private static final Comparator<TaskRecord> OLDEST_FIRST =
      Comparator.comparing(TaskRecord::createdAt).thenComparing(TaskRecord::taskId);

  /** How long before a full read a record may have been created and still be missing from it. */
  private static final long RECENT_MILLIS = 30_000;

  private final int maxEntries;
  private final Clock clock;
  private final long retentionMillis;
  private final ConcurrentHashMap<String, TaskRecord> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> byAgent = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> byRoot = new ConcurrentHashMap<>();
  private final AtomicLong served = new AtomicLong();
  private volatile boolean complete;
  private volatile boolean overflowed;
  private volatile boolean overflowLogged;

  TaskIndex(int maxEntries, Clock clock, long retentionMillis) {
    this.maxEntries = maxEntries;
    this.clock = clock;
    this.retentionMillis = retentionMillis;
  }

  /** Most records held before the index switches itself off. */
  int capacity() {
    return maxEntries;
  }

  /** Whether this node keeps an index at all ({@code cluster.task-index-size} above 0). */
  boolean enabled() {
    return maxEntries > 0;
  }

  /** Takes a record (new or changed), merged with the copy held by the keep-the-maximum rules. */
  void upsert(TaskRecord r) {
    if (!enabled() || overflowed || expired(r, clock.millis())) {
      return;
    }
    boolean[] added = {false};
    byId.compute(r.taskId(), (id, cur) -> {
      added[0] = cur == null;
      return TaskRecordMerge.merge(cur, r);
    });
    if (added[0]) {
      link(byAgent, r.agent(), r.taskId());
      link(byRoot, r.rootId(), r.taskId());
      if (byId.size() > maxEntries) {
        overflow(byId.size());
      }
    }
  }

  private static void link(ConcurrentHashMap<String, Set<String>> index, String key, String taskId) {
    // compute, not computeIfAbsent + add: an unlink emptying the same set must not drop it between the two
    index.compute(key, (k, ids) -> {
      Set<String> out = ids == null ? ConcurrentHashMap.newKeySet() : ids;
      out.add(taskId);
      return out;
    });
  }

  /** Forgets a record the cluster no longer holds (its lifetime and retention ended). */
  void remove(String taskId) {
    TaskRecord r = byId.remove(taskId);
    if (r != null) {
      unlink(byAgent, r.agent(), taskId);
      unlink(byRoot, r.rootId(), taskId);
    }
  }

  private static void unlink(ConcurrentHashMap<String, Set<String>> index, String key, String taskId) {
    index.computeIfPresent(key, (k, ids) -> {
      ids.remove(taskId);
      return ids.isEmpty() ? null : ids;
    });
  }

  /**
   * Brings the copy in line with {@code all}, a full read of the cluster map that started at {@code readStartMillis}
   * (events arriving meanwhile merge in as usual), and answers from then on if the records fit ({@code clusterSize},
   * the map's size read before, decides without the read when they cannot). Blocking caller only: it walks every
   * record.
   */
  void load(Collection<TaskRecord> all, int clusterSize, long readStartMillis) {
    if (!enabled()) {
      return;
    }
    if (clusterSize > maxEntries || all.size() > maxEntries) {
      overflow(Math.max(clusterSize, all.size()));
      return;
    }
    overflowed = false;
    Set<String> read = new java.util.HashSet<>(all.size() * 2);
    for (TaskRecord r : all) {
      read.add(r.taskId());
      upsert(r);
    }
    // A record the read did not return left the cluster while this node missed the event (a merge, a pause); one
    // created shortly before the read (other nodes' clocks may be ahead) may just have missed it, and stays.
    for (TaskRecord r : List.copyOf(byId.values())) {
      if (!read.contains(r.taskId()) && r.createdAt().toEpochMilli() < readStartMillis - RECENT_MILLIS) {
        remove(r.taskId());
      }
    }
    if (!overflowed) {
      complete = true;
      overflowLogged = false;
    }
  }

  private void overflow(int size) {
    overflowed = true;
    complete = false;
    byId.clear();
    byAgent.clear();
    byRoot.clear();
    if (!overflowLogged) {
      overflowLogged = true;
      LOG.warn("the cluster holds {} task records, more than cluster.task-index-size ({}): task listings query the "
          + "cluster until a reload finds the records fit (raise the setting if the heap allows, about 1 KB each)",
          size, maxEntries);
    }
  }

  /** The live records of {@code agent}, oldest first; empty when the index cannot answer (off, not loaded). */
  Optional<List<TaskRecord>> byAgent(String agent) {
    return listing(byAgent.get(agent));
  }

  /** The records of the tree under {@code rootId}, oldest first; empty when the index cannot answer. */
  Optional<List<TaskRecord>> byRoot(String rootId) {
    return listing(byRoot.get(rootId));
  }

  private Optional<List<TaskRecord>> listing(Set<String> ids) {
    if (!complete) {
      return Optional.empty();
    }
    List<TaskRecord> out = new ArrayList<>(ids == null ? 0 : ids.size());
    if (ids != null) {
      long now = clock.millis();
      for (String id : ids) {
        TaskRecord r = byId.get(id);
        if (r != null && !expired(r, now)) {
          out.add(r);
        }
      }
    }
    out.sort(OLDEST_FIRST);
    served.incrementAndGet();
    return Optional.of(out);
  }

  /** The cluster map keeps a record until its task expired plus the retention; so does this copy. */
  private boolean expired(TaskRecord r, long now) {
    return r.expiresAt().toEpochMilli() + retentionMillis <= now;
  }

  /** Records held now (0 while off). */
  int size() {
    return byId.size();
  }

  /** Whether listings are answered from this index now. */
  boolean complete() {
    return complete;
  }

  /** Listings answered from this index so far. */
  long served() {
    return served.get();
  }
}
