package dev.ephyr.cluster;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/** Creates this module's entry processors, tasks and merge policy from their constant class ids. */
final class ClusterSerializableFactory implements DataSerializableFactory {

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    switch (typeId) {
      case SerializationIds.RAISE_WATERMARK: return new RaiseWatermark();
      case SerializationIds.APPLY_TO_MIRROR: return new ApplyToMirror();
      case SerializationIds.KEEP_MAXIMUM_MERGE_POLICY: return new KeepMaximumMergePolicy();
      case SerializationIds.BIND_HOLDER: return new BindHolder();
      case SerializationIds.BIND_REPLY: return new BindReply();
      case SerializationIds.RECORD_FIRST_USE: return new RecordFirstUse();
      case SerializationIds.ALLOCATE_SERIAL: return new AllocateSerial();
      case SerializationIds.STATE_GUARD: return new StateGuard();
      case SerializationIds.PERSIST_RECORD: return new PersistRecord();
      case SerializationIds.MERGE_TASK_RECORD: return new MergeTaskRecord();
      case SerializationIds.READ_TASK_RECORD: return new ReadTaskRecord();
      default: return null; // Hazelcast reports the unknown id itself
    }
  }
}
