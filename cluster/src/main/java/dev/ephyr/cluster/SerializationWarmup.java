package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serializes, while the node starts, one of each value its event loops later hand to Hazelcast. The first
 * {@link TaskRecord} a member serializes builds its compact schema and replicates it to every member, waiting for
 * their answers: done by the first {@code task_create}, that blocked the event loop serving it for 70 ms and more.
 * Nothing is written to a map or the state store: schemas are cluster metadata, and a member that joins later
 * receives them with the join.
 */
final class SerializationWarmup {
  private static final Logger LOG = LoggerFactory.getLogger(SerializationWarmup.class);
  // A well-formed id that no generator makes (its time part is zero): a sample value, never stored.
  private static final String SAMPLE_ID = "00000000000000000000000000";

  private SerializationWarmup() {}

  /**
   * Round-trips the sample values through {@code hz}'s serialization. Blocking: the schema replication is a cluster
   * round trip (bounded by the operation timeout). Best effort: a failure is logged, and the first real write then
   * does the work.
   */
  static void run(HazelcastInstance hz, String nodeId) {
    long start = System.nanoTime();
    try {
      SerializationService ser = ((SerializationServiceSupport) hz).getSerializationService();
      TaskRecord record = new TaskRecord(SAMPLE_ID, SAMPLE_ID, null, "warm-up", 0, 0, Instant.EPOCH,
          Instant.EPOCH, Instant.EPOCH, "warm-up", "{}");
      Watermark watermark = new Watermark(1, 0);
      for (Object sample : List.of(record, watermark, new BindHolder("warm-up", 0, 0), new ReadTaskRecord(),
          PersistRecord.task(record), new RaiseWatermark(1, 0, 1), new RecordFirstUse(0, 1),
          new ApplyToMirror(SAMPLE_ID, watermark))) {
        Data data = ser.toData(sample);
        ser.toObject(data);
      }
      LOG.debug("node {}: serialization warm-up took {} ms", nodeId, (System.nanoTime() - start) / 1_000_000);
    } catch (RuntimeException e) {
      LOG.warn("node {}: serialization warm-up failed (the first task write will build the schema): {}", nodeId,
          e.toString());
    }
  }
}
