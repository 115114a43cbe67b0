package dev.ephyr.cluster;

import java.time.Instant;

/** The outcome of a cluster-wide bind-once attempt on a task record. */
public sealed interface BindResult {

  /** This call bound the holder key; the record as stored now. */
  record Bound(TaskRecord record) implements BindResult {}

  /** The task was already bound (by this or another key); binding happens once. */
  record AlreadyBound(String holderJkt) implements BindResult {}

  /** No record for this task (never created, or expired). */
  record NotFound(String taskId) implements BindResult {}

  /** The bind deadline passed before this attempt. */
  record DeadlinePassed(Instant bindBy) implements BindResult {}
}
