package dev.ephyr.cluster;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import java.time.Instant;

/** Compact wire form of {@link TaskRecord}; field names are queryable ({@code agent}, {@code rootId}). */
final class TaskRecordSerializer implements CompactSerializer<TaskRecord> {

  @Override
  public TaskRecord read(CompactReader in) {
    Long bindBy = in.readNullableInt64("bindBy");
    return new TaskRecord(in.readString("taskId"), in.readString("rootId"), in.readString("parentId"),
        in.readString("agent"), in.readInt32("depth"), in.readInt64("epoch"),
        Instant.ofEpochMilli(in.readInt64("createdAt")), Instant.ofEpochMilli(in.readInt64("expiresAt")),
        bindBy == null ? null : Instant.ofEpochMilli(bindBy), in.readString("holderJkt"), in.readString("envelope"));
  }

  @Override
  public void write(CompactWriter out, TaskRecord r) {
    out.writeString("taskId", r.taskId());
    out.writeString("rootId", r.rootId());
    out.writeString("parentId", r.parentId());
    out.writeString("agent", r.agent());
    out.writeInt32("depth", r.depth());
    out.writeInt64("epoch", r.epoch());
    out.writeInt64("createdAt", r.createdAt().toEpochMilli());
    out.writeInt64("expiresAt", r.expiresAt().toEpochMilli());
    out.writeNullableInt64("bindBy", r.bindBy() == null ? null : r.bindBy().toEpochMilli());
    out.writeString("holderJkt", r.holderJkt());
    out.writeString("envelope", r.envelope());
  }

  @Override
  public String getTypeName() {
    return SerializationIds.TASK_RECORD_TYPE;
  }

  @Override
  public Class<TaskRecord> getCompactClass() {
    return TaskRecord.class;
  }
}
