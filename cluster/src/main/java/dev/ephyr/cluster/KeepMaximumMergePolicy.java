package dev.ephyr.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * Split-brain merge policy that keeps the larger of two values: for watermarks the higher floor, for
 * counters the higher count. The default {@code PutIfAbsentMergePolicy} keeps the surviving side's
 * value and so loses a revocation written on the merging side (measured); a watermark and a serial
 * counter only ever rise, so the maximum is always the right answer and needs no clock.
 */
public final class KeepMaximumMergePolicy extends WireIdentity
    implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  /** Public no-arg constructor: Hazelcast instantiates the policy by class name. */
  public KeepMaximumMergePolicy() {
    super(SerializationIds.KEEP_MAXIMUM_MERGE_POLICY);
  }

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    Object m = merging.getDeserializedValue();
    Object e = existing.getDeserializedValue();
    if (m instanceof Watermark && e instanceof Watermark) {
      return Watermark.max((Watermark) e, (Watermark) m) == m ? merging.getRawValue() : existing.getRawValue();
    }
    if (m instanceof Long && e instanceof Long) {
      return (Long) m > (Long) e ? merging.getRawValue() : existing.getRawValue();
    }
    // Other value types (task records, replay markers) never conflict meaningfully: a record is
    // written once, a replay marker's presence is what matters; keep the surviving side's.
    return existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {}

  @Override
  public void readData(ObjectDataInput in) {}
}
