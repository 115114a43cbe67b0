package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.TaskRecord;
import java.util.List;
import java.util.function.ToLongFunction;

/** Where a task stands now, as listings show and filter it; derived from its record, tree and watermarks. */
enum TaskStatus {
  ACTIVE("active"),
  AWAITING_BIND("awaiting_bind"),
  BIND_EXPIRED("bind_expired"),
  EXPIRED("expired"),
  REVOKED("revoked"),
  REVOKED_ANCESTOR("revoked_ancestor");

  private final String code;

  TaskStatus(String code) {
    this.code = code;
  }

  /** The stable code shown to clients. */
  String code() {
    return code;
  }

  /** Whether the task can still act (or will, once bound). */
  boolean live() {
    return this == ACTIVE || this == AWAITING_BIND;
  }

  /** Whether the task was revoked, itself or through an ancestor. */
  boolean revoked() {
    return this == REVOKED || this == REVOKED_ANCESTOR;
  }

  /**
   * The status of {@code r} at {@code nowMillis}: revoked when its own or an ancestor's watermark is above
   * that record's epoch, then expired, then the two-phase bind states.
   */
  static TaskStatus of(TaskRecord r, TaskTree tree, ToLongFunction<String> watermark, long nowMillis) {
    List<TaskRecord> up = tree.ancestry(r);
    for (int i = 0; i < up.size(); i++) {
      if (watermark.applyAsLong(up.get(i).taskId()) > up.get(i).epoch()) {
        return i == 0 ? REVOKED : REVOKED_ANCESTOR;
      }
    }
    if (nowMillis >= r.expiresAt().toEpochMilli()) {
      return EXPIRED;
    }
    if (r.bindBy() != null && r.holderJkt() == null) {
      return nowMillis < r.bindBy().toEpochMilli() ? AWAITING_BIND : BIND_EXPIRED;
    }
    return ACTIVE;
  }
}
