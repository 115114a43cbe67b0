package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start: merges a task record from a node's state store into the cluster map by {@link TaskRecordMerge}
 * (a bound holder never changes, the epoch never goes down). Deterministic: the TTL comes from the caller.
 */
final class MergeTaskRecord extends WireIdentity implements EntryProcessor<String, TaskRecord, Boolean> {

  private TaskRecord record;
  private long ttlMillis;

  MergeTaskRecord() {
    super(SerializationIds.MERGE_TASK_RECORD);
  }

  MergeTaskRecord(TaskRecord record, long ttlMillis) {
    super(SerializationIds.MERGE_TASK_RECORD);
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
