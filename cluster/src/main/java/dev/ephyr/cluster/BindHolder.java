package dev.ephyr.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Binds a holder key to a task record if none is bound yet and the bind deadline has not passed.
 * Atomic on the key's partition thread, so exactly one of racing binds wins cluster-wide. The caller
 * supplies "now" so backups replay it deterministically.
 */
final class BindHolder extends WireIdentity implements EntryProcessor<String, TaskRecord, BindReply> {

  private String holderJkt;
  private long nowMillis;

  BindHolder() {
    super(SerializationIds.BIND_HOLDER);
  }

  BindHolder(String holderJkt, long nowMillis) {
    super(SerializationIds.BIND_HOLDER);
    this.holderJkt = holderJkt;
    this.nowMillis = nowMillis;
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
    TaskRecord bound = r.withHolder(holderJkt);
    ((ExtendedMapEntry<String, TaskRecord>) entry).setValueWithoutChangingExpiryTime(bound);
    return new BindReply(BindReply.BOUND, bound);
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(holderJkt);
    out.writeLong(nowMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    holderJkt = in.readString();
    nowMillis = in.readLong();
  }
}
