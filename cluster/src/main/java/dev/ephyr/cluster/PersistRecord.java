package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs on every member after a task record or certificate record was written to the cluster: stores it
 * in that member's state store and answers {@code true} once it is on disk there ({@code true} at once on
 * a member without a state store, which has nothing to make durable).
 */
final class PersistRecord extends WireIdentity implements Callable<Boolean>, HazelcastInstanceAware {

  static final int TASK = 1;
  static final int CERTIFICATE = 2;
  /** Longest a member waits for its own group commit before answering "not durable". */
  static final long WAIT_SECONDS = 10;

  private int kind;
  private TaskRecord task;
  private long serial;
  private long keepUntilMillis;
  private String json;
  private transient HazelcastInstance instance;

  PersistRecord() {
    super(SerializationIds.PERSIST_RECORD);
  }

  static PersistRecord task(TaskRecord r) {
    PersistRecord p = new PersistRecord();
    p.kind = TASK;
    p.task = r;
    return p;
  }

  static PersistRecord certificate(long serial, long keepUntilMillis, String json) {
    PersistRecord p = new PersistRecord();
    p.kind = CERTIFICATE;
    p.serial = serial;
    p.keepUntilMillis = keepUntilMillis;
    p.json = json;
    return p;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.instance = hazelcastInstance;
  }

  @Override
  public Boolean call() {
    Object store = instance.getUserContext().get(StateStore.USER_CONTEXT_KEY);
    if (!(store instanceof StateStore s)) {
      return Boolean.TRUE;
    }
    CompletableFuture<Void> write = kind == TASK ? s.mergeTask(task) : s.putCertificate(serial, keepUntilMillis, json);
    return awaitDurable(write);
  }

  static Boolean awaitDurable(CompletableFuture<Void> write) {
    try {
      write.get(WAIT_SECONDS, TimeUnit.SECONDS);
      return Boolean.TRUE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Boolean.FALSE;
    } catch (Exception e) {
      return Boolean.FALSE; // not durable here: the caller counts this member as missing
    }
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(kind);
    if (kind == TASK) {
      out.writeObject(task);
    } else {
      out.writeLong(serial);
      out.writeLong(keepUntilMillis);
      out.writeString(json);
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    kind = in.readInt();
    if (kind == TASK) {
      task = in.readObject();
    } else if (kind == CERTIFICATE) {
      serial = in.readLong();
      keepUntilMillis = in.readLong();
      json = in.readString();
    } else {
      throw new IOException("unknown record kind " + kind);
    }
  }
}
