package dev.ephyr.cluster;

import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/** What every object this module sends between members shares: this module's factory and its fixed class id. */
abstract class WireIdentity implements IdentifiedDataSerializable {
  private final int classId;

  /** @param classId one of {@link SerializationIds}' class ids */
  WireIdentity(int classId) {
    this.classId = classId;
  }

  @Override
  public final int getFactoryId() {
    return SerializationIds.FACTORY_ID;
  }

  @Override
  public final int getClassId() {
    return classId;
  }
}
