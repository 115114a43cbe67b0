package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.WatermarkStore;
import dev.ephyr.protocol.verify.TaskHop;
import java.util.OptionalLong;

/** Which epoch a bind or reissue moves a task to. */
final class Epochs {
  private Epochs() {}

  /**
   * The epoch a bind or reissue moves {@code acting}'s task to: above the presented token's, the record's and
   * the watermark this node holds, so that of a bind and a reissue racing on the same task the later one always
   * supersedes the earlier. Empty when the task is revoked outright.
   */
  static OptionalLong next(TaskHop acting, TaskRecord record, long watermark) {
    if (watermark >= WatermarkStore.REVOKED - 1) {
      return OptionalLong.empty();
    }
    long highest = Math.max(acting.epoch(), Math.max(watermark, record == null ? 0 : record.epoch()));
    return OptionalLong.of(highest + 1);
  }

  /** {@code r} at {@code epoch} (an epoch never goes down). */
  static TaskRecord withEpoch(TaskRecord r, long epoch) {
    return new TaskRecord(r.taskId(), r.rootId(), r.parentId(), r.agent(), r.depth(), Math.max(r.epoch(), epoch),
        r.createdAt(), r.expiresAt(), r.bindBy(), r.holderJkt(), r.envelope());
  }
}
