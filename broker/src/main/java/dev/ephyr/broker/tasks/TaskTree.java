package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.protocol.caveat.Envelope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;

/**
 * Task records indexed by id, and the one walk up a task's ancestors. The walk is bounded by the deepest
 * lineage a token may have, so a corrupt or cyclic set of records cannot make it loop.
 */
final class TaskTree {
  /** The most records a walk visits: a task at the deepest depth, its ancestors, and one for slack. */
  static final int MAX_HOPS = Envelope.MAX_DEPTH + 2;

  private final Map<String, TaskRecord> byId;

  private TaskTree(Map<String, TaskRecord> byId) {
    this.byId = byId;
  }

  /** The tree of {@code records} (the first record of an id wins). */
  static TaskTree of(Collection<TaskRecord> records) {
    Map<String, TaskRecord> m = new HashMap<>();
    for (TaskRecord r : records) {
      m.putIfAbsent(r.taskId(), r);
    }
    return new TaskTree(m);
  }

  /** This tree plus {@code extra} records whose ids it does not hold yet. */
  TaskTree with(Collection<TaskRecord> extra) {
    Map<String, TaskRecord> m = new HashMap<>(byId);
    for (TaskRecord r : extra) {
      m.putIfAbsent(r.taskId(), r);
    }
    return new TaskTree(m);
  }

  /** The record of {@code task}, or {@code null}. */
  TaskRecord get(String task) {
    return byId.get(task);
  }

  boolean contains(String task) {
    return byId.containsKey(task);
  }

  Collection<TaskRecord> records() {
    return Collections.unmodifiableCollection(byId.values());
  }

  /**
   * The record of {@code task} and those of its ancestors, self first, up to the first one this tree lacks
   * and at most {@link #MAX_HOPS}.
   */
  List<TaskRecord> ancestry(String task) {
    TaskRecord r = byId.get(task);
    return r == null ? List.of() : ancestry(r);
  }

  /** {@code r} and the records of its ancestors in this tree, self first, at most {@link #MAX_HOPS}. */
  List<TaskRecord> ancestry(TaskRecord r) {
    List<TaskRecord> out = new ArrayList<>();
    TaskRecord cur = r;
    while (cur != null && out.size() < MAX_HOPS) {
      out.add(cur);
      cur = cur.parentId() == null ? null : byId.get(cur.parentId());
    }
    return out;
  }

  /** Whether {@code task} is {@code ancestor} or lies below it (a parent id counts even if its record is missing). */
  boolean inSubtree(String task, String ancestor) {
    if (task.equals(ancestor)) {
      return true;
    }
    List<TaskRecord> up = ancestry(task);
    for (int i = 0; i < up.size() && i < MAX_HOPS - 1; i++) {
      if (ancestor.equals(up.get(i).parentId())) {
        return true;
      }
    }
    return false;
  }

  /** The ids from the oldest known ancestor down to {@code task}. */
  List<String> lineage(String task) {
    LinkedList<String> out = new LinkedList<>();
    for (TaskRecord r : ancestry(task)) {
      out.addFirst(r.taskId());
    }
    return out;
  }

  /** How many tasks of this tree lie strictly below {@code task}. */
  int descendants(String task) {
    int n = 0;
    for (TaskRecord r : byId.values()) {
      if (!r.taskId().equals(task) && inSubtree(r.taskId(), task)) {
        n++;
      }
    }
    return n;
  }
}
