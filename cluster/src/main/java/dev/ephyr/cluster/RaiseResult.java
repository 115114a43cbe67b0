package dev.ephyr.cluster;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of an acknowledged watermark raise: the value now stored (which may be higher than the
 * one asked for), and which members confirmed that their local mirror holds it.
 *
 * <p>Contract: when {@link #acknowledgedByAll()} is true, no member of the cluster as it was when the
 * raise was issued accepts a token below the returned watermark. When it is false, the watermark is
 * still stored in the cluster map and reaches the missing members through their listener and reloads,
 * but without the guarantee; the caller should report the missing members.
 *
 * @param taskId the task whose watermark was raised
 * @param watermark the watermark now stored (at least the requested floor)
 * @param acknowledged node ids of members that applied it to their mirror
 * @param missing node ids of members that did not answer within the acknowledgement timeout
 */
public record RaiseResult(String taskId, long watermark, List<String> acknowledged, List<String> missing) {

  public RaiseResult {
    Objects.requireNonNull(taskId, "taskId");
    acknowledged = List.copyOf(acknowledged);
    missing = List.copyOf(missing);
  }

  /** True when every member present at the time of the raise applied it. */
  public boolean acknowledgedByAll() {
    return missing.isEmpty();
  }
}
