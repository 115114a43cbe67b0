package dev.ephyr.cluster;

import com.hazelcast.map.MapInterceptor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

/**
 * Guards the replicated security state against any member that writes to it, ours or a rogue one that
 * joined the cluster: a watermark never goes down, a bound holder never changes or disappears, the serial
 * counter and replay markers never go down, and no entry of these maps is removed by a write (they leave
 * only by expiry). Installed on the owning member of each
 * key, so it sees puts, sets, replaces, {@code putAll}, removes and entry processors, whoever sent them.
 *
 * <p>A lowering write is not an error the caller could fix, so it is answered with the value kept (the
 * maximum) rather than refused; a removal can only be refused, by throwing.
 */
final class StateGuard extends WireIdentity implements MapInterceptor {

  private static final long serialVersionUID = 1L;

  /** Which map this guard watches. Wire values: never change, only add. */
  enum Kind {
    WATERMARKS(1), TASKS(2), SERIALS(3), REPLAY(4);

    final int wire;

    Kind(int wire) {
      this.wire = wire;
    }

    static Kind ofWire(int w) {
      for (Kind k : values()) {
        if (k.wire == w) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown state guard kind " + w);
    }
  }

  private Kind kind;

  StateGuard() {
    super(SerializationIds.STATE_GUARD);
  }

  StateGuard(Kind kind) {
    super(SerializationIds.STATE_GUARD);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  @Override
  public Object interceptGet(Object value) {
    return null; // reads unchanged
  }

  @Override
  public void afterGet(Object value) {}

  @Override
  public Object interceptPut(Object oldValue, Object newValue) {
    switch (kind) {
      case WATERMARKS:
        return keepWatermark(oldValue, newValue);
      case TASKS:
        return keepHolder(oldValue, newValue);
      default:
        return keepMaximum(oldValue, newValue);
    }
  }

  /** The serial counter and replay keep-until times: numbers that only rise. */
  private Object keepMaximum(Object oldValue, Object newValue) {
    if (!(newValue instanceof Long n)) {
      throw new IllegalArgumentException("the " + what() + " map holds only numbers");
    }
    return oldValue instanceof Long old && old > n ? old : n;
  }

  private String what() {
    switch (kind) {
      case WATERMARKS:
        return "watermark";
      case TASKS:
        return "task";
      case SERIALS:
        return "serial";
      default:
        return "replay";
    }
  }

  private static Object keepWatermark(Object oldValue, Object newValue) {
    if (!(newValue instanceof Watermark w)) {
      throw new IllegalArgumentException("the watermark map holds only watermarks");
    }
    // Whoever writes, the stored floor (and retention) never goes down.
    return oldValue instanceof Watermark old ? Watermark.max(old, w) : w;
  }

  private static Object keepHolder(Object oldValue, Object newValue) {
    if (!(newValue instanceof TaskRecord r)) {
      throw new IllegalArgumentException("the task map holds only task records");
    }
    if (oldValue instanceof TaskRecord old && old.holderJkt() != null && !old.holderJkt().equals(r.holderJkt())) {
      return old; // a bound holder never changes nor goes away
    }
    return r;
  }

  @Override
  public void afterPut(Object value) {}

  @Override
  public Object interceptRemove(Object removedValue) {
    if (removedValue == null) {
      return null;
    }
    // Entries leave by expiry only; nothing in the broker removes one. Hazelcast's expiry itself comes through
    // here, so an entry whose own lifetime is over may go (refusing it kept every expired entry in memory).
    if (expired(removedValue, System.currentTimeMillis())) {
      return removedValue;
    }
    throw new IllegalStateException("entries of the " + what() + " map are never removed; they expire");
  }

  /** Whether {@code value} governs nothing any more: past the expiry it carries itself. Serials never expire. */
  private boolean expired(Object value, long now) {
    switch (kind) {
      case WATERMARKS:
        return value instanceof Watermark w && w.expiresAtMillis() <= now;
      case TASKS:
        return value instanceof TaskRecord r && r.expiresAt().toEpochMilli() <= now;
      case REPLAY:
        return value instanceof Long until && until <= now;
      default:
        return false;
    }
  }

  @Override
  public void afterRemove(Object value) {}



  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(kind.wire);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    kind = Kind.ofWire(in.readInt());
  }

  // Hazelcast names an interceptor by class name and hash code: a constant hash gives every member the same
  // name for the same guard, so installing it again never stacks copies under new names.
  @Override
  public int hashCode() {
    return kind.wire;
  }

  // Deliberately equal to nothing, not even itself. Hazelcast's removeInterceptor (which any joined member may
  // send to all) drops the name, then takes the guard out of the interception chain with List.remove(guard),
  // which compares with equals: a guard equal to nothing stays in the chain, whoever asks. Nothing else
  // compares guards.
  @Override
  @SuppressWarnings("EqualsWhichDoesntCheckParameterClass")
  public boolean equals(Object o) {
    return false;
  }
}
