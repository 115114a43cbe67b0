package dev.ephyr.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.util.Map;

/**
 * Reads a task record on its owner. A plain get may be answered by this member's near cache; the decisions
 * that read a record before writing it (bind, reissue) must see the owner's current value.
 */
final class ReadTaskRecord extends WireIdentity implements EntryProcessor<String, TaskRecord, TaskRecord>, ReadOnly {

  ReadTaskRecord() {
    super(SerializationIds.READ_TASK_RECORD);
  }

  @Override
  public TaskRecord process(Map.Entry<String, TaskRecord> entry) {
    return entry.getValue();
  }

  @Override
  public EntryProcessor<String, TaskRecord, TaskRecord> getBackupProcessor() {
    return null; // reads nothing to back up
  }

  @Override
  public void writeData(ObjectDataOutput out) {}

  @Override
  public void readData(ObjectDataInput in) {}
}
