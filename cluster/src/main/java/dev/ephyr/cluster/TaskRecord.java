package dev.ephyr.cluster;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What the cluster remembers about a task for listing, dashboards, bind-once and audit. Holds no
 * secrets: no token text, no keys, only the holder key's public thumbprint. Verification never reads it.
 *
 * @param taskId the task's ULID
 * @param rootId the root task's ULID (equal to {@code taskId} for a root)
 * @param parentId the parent's ULID, or null for a root
 * @param agent the agent the task was minted for
 * @param depth 0 for a root, at most 5 below it
 * @param epoch the epoch the current token was minted at
 * @param createdAt when the task was created
 * @param expiresAt when the task stops being valid
 * @param bindBy deadline for a two-phase bind, or null
 * @param holderJkt RFC 7638 thumbprint of the bound holder key, or null while unbound
 * @param envelope a non-secret JSON summary of the capability envelope (may be empty)
 */
public record TaskRecord(String taskId, String rootId, String parentId, String agent, int depth, long epoch,
    Instant createdAt, Instant expiresAt, Instant bindBy, String holderJkt, String envelope) {

  public TaskRecord {
    WatermarkStore.requireTaskId(taskId);
    WatermarkStore.requireTaskId(rootId);
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(envelope, "envelope");
    // Stored with millisecond precision: truncate here so a record equals itself after a round trip.
    createdAt = createdAt.truncatedTo(ChronoUnit.MILLIS);
    expiresAt = expiresAt.truncatedTo(ChronoUnit.MILLIS);
    bindBy = bindBy == null ? null : bindBy.truncatedTo(ChronoUnit.MILLIS);
    if (depth < 0 || depth > 5) {
      throw new IllegalArgumentException("depth must be 0-5, got " + depth);
    }
    if ((depth == 0) != (parentId == null)) {
      throw new IllegalArgumentException("a task has a parent exactly when its depth is above 0");
    }
  }

  /** This record with the holder key bound. */
  TaskRecord withHolder(String jkt) {
    return withHolderAt(jkt, epoch);
  }

  /** This record with the holder key bound, at {@code atEpoch}. */
  TaskRecord withHolderAt(String jkt, long atEpoch) {
    return new TaskRecord(taskId, rootId, parentId, agent, depth, atEpoch, createdAt, expiresAt, bindBy, jkt, envelope);
  }
}
