package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Marks a replay key as used, with a TTL, if it was not already: {@code true} for the first use only.
 * (IMap has no asynchronous putIfAbsent with TTL; this is the same operation on the partition thread.)
 */
final class RecordFirstUse extends WireIdentity implements EntryProcessor<String, Long, Boolean> {

  private long keepUntilMillis;
  private long ttlMillis;

  RecordFirstUse() {
    super(SerializationIds.RECORD_FIRST_USE);
  }

  RecordFirstUse(long keepUntilMillis, long ttlMillis) {
    super(SerializationIds.RECORD_FIRST_USE);
    this.keepUntilMillis = keepUntilMillis;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public Boolean process(Map.Entry<String, Long> entry) {
    if (entry.getValue() != null) {
      return Boolean.FALSE;
    }
    ((ExtendedMapEntry<String, Long>) entry).setValue(keepUntilMillis, ttlMillis, TimeUnit.MILLISECONDS);
    return Boolean.TRUE;
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(keepUntilMillis);
    out.writeLong(ttlMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    keepUntilMillis = in.readLong();
    ttlMillis = in.readLong();
  }
}
