package dev.ephyr.cluster;

/**
 * Wire identities of everything this module sends between members. These numbers and names are the
 * wire format: never change or reuse one, only add.
 */
final class SerializationIds {

  /** {@link ClusterSerializableFactory}'s id. */
  static final int FACTORY_ID = 7_310_001;

  static final int RAISE_WATERMARK = 1;
  static final int APPLY_TO_MIRROR = 2;
  static final int KEEP_MAXIMUM_MERGE_POLICY = 3;
  static final int BIND_HOLDER = 4;
  static final int BIND_REPLY = 5;
  static final int RECORD_FIRST_USE = 6;
  static final int ALLOCATE_SERIAL = 7;
  static final int PERSIST_RECORD = 8;
  static final int MERGE_TASK_RECORD = 9;
  static final int READ_TASK_RECORD = 10;
  static final int STATE_GUARD = 20;

  /** Compact type names (fixed as fields evolve). */
  static final String WATERMARK_TYPE = "ephyr.Watermark";
  static final String TASK_RECORD_TYPE = "ephyr.TaskRecord";

  private SerializationIds() {}
}
