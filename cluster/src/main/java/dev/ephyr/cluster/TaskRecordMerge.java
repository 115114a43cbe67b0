package dev.ephyr.cluster;

/**
 * The keep-the-maximum rule for two copies of one task record (durable store, cold-start exchange): a bound
 * holder never changes or disappears, the epoch never goes down, the kept lifetime never shortens.
 * Revoked status lives in the watermark, which has its own never-lower rule.
 */
final class TaskRecordMerge {

  private TaskRecordMerge() {}

  /** The merged record; {@code existing} itself when {@code incoming} adds nothing (callers skip the write). */
  static TaskRecord merge(TaskRecord existing, TaskRecord incoming) {
    if (existing == null) {
      return incoming;
    }
    if (incoming == null || !existing.taskId().equals(incoming.taskId())) {
      return existing;
    }
    String holder = existing.holderJkt() != null ? existing.holderJkt() : incoming.holderJkt();
    long epoch = Math.max(existing.epoch(), incoming.epoch());
    java.time.Instant expires = existing.expiresAt().isBefore(incoming.expiresAt())
        ? incoming.expiresAt() : existing.expiresAt();
    if (java.util.Objects.equals(holder, existing.holderJkt()) && epoch == existing.epoch()
        && expires.equals(existing.expiresAt())) {
      return existing;
    }
    return new TaskRecord(existing.taskId(), existing.rootId(), existing.parentId(), existing.agent(),
        existing.depth(), epoch, existing.createdAt(), expires, existing.bindBy(), holder, existing.envelope());
  }
}
