package dev.ephyr.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

/** Wire form of {@link BindHolder}'s answer: a status code and the record it saw or wrote. */
final class BindReply extends WireIdentity {

  static final int BOUND = 1;
  static final int ALREADY_BOUND = 2;
  static final int NOT_FOUND = 3;
  static final int DEADLINE_PASSED = 4;

  private int status;
  private TaskRecord record;

  BindReply() {
    super(SerializationIds.BIND_REPLY);
  }

  BindReply(int status, TaskRecord record) {
    super(SerializationIds.BIND_REPLY);
    this.status = status;
    this.record = record;
  }

  BindResult toResult(String taskId) {
    switch (status) {
      case BOUND: return new BindResult.Bound(record);
      case ALREADY_BOUND: return new BindResult.AlreadyBound(record.holderJkt());
      case DEADLINE_PASSED: return new BindResult.DeadlinePassed(record.bindBy());
      case NOT_FOUND: return new BindResult.NotFound(taskId);
      default: throw new IllegalStateException("unknown bind status " + status);
    }
  }



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(status);
    out.writeObject(record); // compact-serialized TaskRecord, or null
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    status = in.readInt();
    record = in.readObject();
  }
}
