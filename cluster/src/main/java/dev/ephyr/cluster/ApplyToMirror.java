package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Runs on every member during an acknowledged raise: applies the watermark to that member's local
 * mirror and its state store, and answers {@code true} once readers there see it and it is on disk there.
 */
final class ApplyToMirror extends WireIdentity implements Callable<Boolean>, HazelcastInstanceAware {

  private String taskId;
  private long floor;
  private long expiresAtMillis;
  private transient HazelcastInstance instance;

  ApplyToMirror() {
    super(SerializationIds.APPLY_TO_MIRROR);
  }

  ApplyToMirror(String taskId, Watermark watermark) {
    super(SerializationIds.APPLY_TO_MIRROR);
    this.taskId = taskId;
    this.floor = watermark.floor();
    this.expiresAtMillis = watermark.expiresAtMillis();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.instance = hazelcastInstance;
  }

  @Override
  public Boolean call() {
    ClusterPriority.raise(Thread.currentThread()); // the acknowledgement executor's thread, however it was made
    // The mirror is registered in the member's user context before the member starts, so it is found
    // even on a member that is still loading.
    Object mirror = instance.getUserContext().get(WatermarkMirror.USER_CONTEXT_KEY);
    if (!(mirror instanceof WatermarkMirror)) {
      return Boolean.FALSE;
    }
    ((WatermarkMirror) mirror).raise(taskId, new Watermark(floor, expiresAtMillis));
    Object store = instance.getUserContext().get(StateStore.USER_CONTEXT_KEY);
    if (store instanceof StateStore s) {
      return PersistRecord.awaitDurable(s.raiseWatermark(taskId, floor, expiresAtMillis));
    }
    return Boolean.TRUE;
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(taskId);
    out.writeLong(floor);
    out.writeLong(expiresAtMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    taskId = in.readString();
    floor = in.readLong();
    expiresAtMillis = in.readLong();
  }
}
