package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Hands out the next serial: one more than the larger of the stored counter and a time-derived floor.
 * The floor comes from the caller, so backups replay to the same value.
 */
final class AllocateSerial extends WireIdentity implements EntryProcessor<String, Long, Long> {

  private long floor;

  AllocateSerial() {
    super(SerializationIds.ALLOCATE_SERIAL);
  }

  AllocateSerial(long floor) {
    super(SerializationIds.ALLOCATE_SERIAL);
    this.floor = floor;
  }

  @Override
  public Long process(Map.Entry<String, Long> entry) {
    Long current = entry.getValue();
    long next = Math.max(current == null ? 0L : current, floor) + 1;
    entry.setValue(next);
    return next;
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(floor);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    floor = in.readLong();
  }
}
