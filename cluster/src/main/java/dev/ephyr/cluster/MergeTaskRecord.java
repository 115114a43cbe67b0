package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start: merges a task record from a node's state store into the cluster map by {@link TaskRecordMerge}
 * (a bound holder never changes, the epoch never goes down). Deterministic: the TTL comes from the caller.
 */
final class MergeTaskRecord implements EntryProcessor<String, TaskRecord, Boolean>, IdentifiedDataSerializable {

  private TaskRecord record;
  private long ttlMillis;

  MergeTaskRecord() {}

  MergeTaskRecord(TaskRecord record, long ttlMillis) {
    this.record = record;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public Boolean process(Map.Entry<String, TaskRecord> entry) {
    TaskRecord current = entry.getValue();
    TaskRecord merged = TaskRecordMerge.merge(current, record);
    if (merged == current) {
      return Boolean.FALSE;
    }
    ((ExtendedMapEntry<String, TaskRecord>) entry).setValue(merged, Math.max(1, ttlMillis), TimeUnit.MILLISECONDS);
    return Boolean.TRUE;
  }

  @Override
  public int getFactoryId() {
    return SerializationIds.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return SerializationIds.MERGE_TASK_RECORD;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeObject(record);
    out.writeLong(ttlMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    record = in.readObject();
    ttlMillis = in.readLong();
  }
}
