package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.LongAdder;

/** What the writer reports about itself (for metrics and cluster status); written by the writer only. */
public final class AuditStats {
  private volatile long seq;
  private volatile String file = "";
  private volatile boolean failing;
  private volatile String lastError;
  private final LongAdder writeFailures = new LongAdder();
  private final LongAdder written = new LongAdder();

  void wrote(long seq, String file, int records) {
    this.seq = seq;
    this.file = file;
    this.failing = false;
    written.add(records);
  }

  void failed(String error) {
    failing = true;
    lastError = error;
    writeFailures.increment();
  }

  /** Seq of the last record written. */
  public long seq() {
    return seq;
  }

  /** Whether the last write attempt failed. */
  public boolean failing() {
    return failing;
  }

  /** Failed write attempts. */
  public long writeFailures() {
    return writeFailures.sum();
  }

  /** Records written since start. */
  public long written() {
    return written.sum();
  }

  /** A JSON view (no secrets; the error text names a file and an exception class). */
  public JsonObject toJson(AuditBacklog backlog) {
    JsonObject o = new JsonObject().put("seq", seq).put("file", file).put("failing", failing)
        .put("write_failures", writeFailures.sum()).put("written", written.sum())
        .put("pending", backlog.pending()).put("dropped", backlog.dropped());
    if (lastError != null) {
      o.put("last_error", lastError);
    }
    return o;
  }
}
