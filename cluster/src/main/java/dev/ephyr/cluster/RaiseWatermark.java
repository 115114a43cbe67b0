package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Raises a task's watermark to at least {@code floor}; never lowers it. Runs on the key's partition
 * thread, so concurrent raises serialize and the maximum wins. Deterministic (the TTL is computed by the
 * caller), so backups replay it to the same result.
 */
final class RaiseWatermark extends WireIdentity implements EntryProcessor<String, Watermark, Watermark> {

  private long floor;
  private long expiresAtMillis;
  private long ttlMillis;

  RaiseWatermark() {
    super(SerializationIds.RAISE_WATERMARK);
  }

  RaiseWatermark(long floor, long expiresAtMillis, long ttlMillis) {
    super(SerializationIds.RAISE_WATERMARK);
    this.floor = floor;
    this.expiresAtMillis = expiresAtMillis;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public Watermark process(Map.Entry<String, Watermark> entry) {
    Watermark current = entry.getValue();
    if (current != null && current.floor() >= floor && current.expiresAtMillis() >= expiresAtMillis) {
      return current; // never goes down, and never shortens how long the entry is kept
    }
    long newFloor = current == null ? floor : Math.max(current.floor(), floor);
    long newExpiry = current == null ? expiresAtMillis : Math.max(current.expiresAtMillis(), expiresAtMillis);
    // The caller's TTL is for its own expiry; stretch it by however much later the kept expiry is.
    long ttl = ttlMillis + (newExpiry - expiresAtMillis);
    Watermark stored = new Watermark(newFloor, newExpiry);
    ((ExtendedMapEntry<String, Watermark>) entry).setValue(stored, Math.max(1, ttl), TimeUnit.MILLISECONDS);
    return stored;
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(floor);
    out.writeLong(expiresAtMillis);
    out.writeLong(ttlMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    floor = in.readLong();
    expiresAtMillis = in.readLong();
    ttlMillis = in.readLong();
  }
}
