package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Binds a holder key to a task record if none is bound yet and the bind deadline has not passed, and moves
 * the record to the bind's epoch in the same step (so the bound record is written, and made durable, once).
 * Atomic on the key's partition thread, so exactly one of racing binds wins cluster-wide. The caller
 * supplies "now" and the epoch floor so backups replay it deterministically.
 */
final class BindHolder extends WireIdentity implements EntryProcessor<String, TaskRecord, BindReply> {

  private String holderJkt;
  private long nowMillis;
  private long epochFloor;

  BindHolder() {
    super(SerializationIds.BIND_HOLDER);
  }

  /** {@code epochFloor} 0 leaves the epoch as it is; above 0 the bound record's epoch is at least it. */
  BindHolder(String holderJkt, long nowMillis, long epochFloor) {
    super(SerializationIds.BIND_HOLDER);
    this.holderJkt = holderJkt;
    this.nowMillis = nowMillis;
    this.epochFloor = epochFloor;
  }

  @Override
  public BindReply process(Map.Entry<String, TaskRecord> entry) {
    TaskRecord r = entry.getValue();
    if (r == null) {
      return new BindReply(BindReply.NOT_FOUND, null);
    }
    if (r.holderJkt() != null) {
      return new BindReply(BindReply.ALREADY_BOUND, r);
    }
    if (r.bindBy() != null && nowMillis > r.bindBy().toEpochMilli()) {
      return new BindReply(BindReply.DEADLINE_PASSED, r);
    }
    // Above the record's own epoch as well as the floor: the epoch a bind moves to is above every earlier one.
    TaskRecord bound = epochFloor > 0 ? r.withHolderAt(holderJkt, Math.max(epochFloor, r.epoch() + 1))
        : r.withHolder(holderJkt);
    ((ExtendedMapEntry<String, TaskRecord>) entry).setValueWithoutChangingExpiryTime(bound);
    return new BindReply(BindReply.BOUND, bound);
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(holderJkt);
    out.writeLong(nowMillis);
    out.writeLong(epochFloor);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    holderJkt = in.readString();
    nowMillis = in.readLong();
    epochFloor = in.readLong();
  }
}
