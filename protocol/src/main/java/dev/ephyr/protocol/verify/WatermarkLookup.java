package dev.ephyr.protocol.verify;

/**
 * The revocation state a verifier consults: per task, the lowest epoch that is still valid.
 *
 * <p>Implementations answer from local memory (the hot path must not block); the cluster module keeps
 * that memory in step with the replicated store. A task with no recorded watermark has watermark 0.
 */
public interface WatermarkLookup {

  /** Watermark of a task that was revoked outright: no epoch is valid any more. */
  long REVOKED = Long.MAX_VALUE;

  /**
   * Lowest epoch of {@code taskId} that is still valid; 0 when nothing was recorded. Must not block.
   *
   * @param taskId the task's ULID in its canonical 26-character form
   */
  long watermark(String taskId);

  /**
   * Whether this view can be trusted right now. While it returns false every verification fails with
   * {@code cluster_unavailable} (fail closed), e.g. while the node sees fewer members than the quorum.
   */
  boolean available();

  /** A lookup with no revocations, always available; for tests and single-process tools only. */
  static WatermarkLookup none() {
    return NoWatermarks.INSTANCE;
  }
}
