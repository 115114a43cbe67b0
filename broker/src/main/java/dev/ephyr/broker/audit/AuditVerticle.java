package dev.ephyr.broker.audit;

import dev.ephyr.broker.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit writer of a node: a worker verticle fed over the local bus ({@link Addresses#AUDIT_RECORD}).
 * Batches what arrives while it writes, appends the batch to the chained files ({@link AuditLog}), then
 * publishes the written records cluster-wide on {@link Addresses#AUDIT_LIVE}, one message per write. A failed write keeps the batch and
 * retries every second; meanwhile the bounded {@link AuditBacklog} refuses (and counts) new events, and the
 * failure is logged as an error and shown in metrics and cluster status.
 */
public final class AuditVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger("ephyr.audit");
  private static final int MAX_BATCH = 1000;
  /** Shortest time between two writes of the trail (each a write, an fsync and a head update). */
  static final long GROUP_COMMIT_NANOS = 10_000_000;
  private static final long RETRY_MS = 1000;

  private final AuditSettings settings;
  private final AuditBacklog backlog;
  private final AuditStats stats;
  private final Clock clock;
  private final ArrayDeque<JsonObject> queue = new ArrayDeque<>();
  private AuditLog log;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> snapshots;
  private boolean flushScheduled;
  private long lastFlushNanos = System.nanoTime() - GROUP_COMMIT_NANOS;
  private final UnaryOperator<JsonObject> live;
  private long retryTimer = -1;
  private long failuresInRow;

  /**
   * A writer with {@code settings}; {@code backlog} must be the one its sinks use; {@code live} wraps each
   * batch before it is published cluster-wide (the node seals it: other nodes only accept sealed batches), or
   * returns null when no live stream is open anywhere (nothing is published).
   */
  public AuditVerticle(AuditSettings settings, AuditBacklog backlog, AuditStats stats, Clock clock,
      UnaryOperator<JsonObject> live) {
    this.live = live;
    this.settings = settings;
    this.backlog = backlog;
    this.stats = stats;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    try {
      // A worker verticle: opening and reading the tail may block here.
      log = AuditLog.open(settings.dir(), settings.keys(), settings.maxFileBytes(), clock, settings.node(),
          settings.sync(), settings.headCheck());
    } catch (IOException e) {
      return Future.failedFuture(new IOException("cannot open the audit trail in " + settings.dir() + ": " + e, e));
    }
    stats.wrote(log.seq(), log.file().getFileName().toString(), log.startRecords().size());
    publish(log.startRecords());
    LOG.info("node {}: audit trail {} (seq {})", settings.node(), log.file(), log.seq());
    consumer = vertx.eventBus().localConsumer(Addresses.AUDIT_RECORD, m -> {
      queue.add(m.body());
      scheduleFlush();
    });
    // Runs on this worker's context, so between two writes: the trail is at a record boundary, its head current.
    snapshots = vertx.eventBus().<JsonObject>localConsumer(Addresses.AUDIT_SNAPSHOT, m -> {
      try {
        AuditLog.Snapshot s = log.snapshot();
        JsonArray files = new JsonArray();
        for (AuditLog.Snapshot.Part p : s.files()) {
          files.add(new JsonObject().put("file", p.file().toString()).put("bytes", p.bytes()));
        }
        m.reply(new JsonObject().put("dir", settings.dir().toString()).put("seq", s.seq()).put("files", files)
            .put("head", s.head()));
      } catch (IOException | RuntimeException e) {
        m.fail(500, "cannot read the audit trail in " + settings.dir() + ": " + e.getMessage());
      }
    });
    return Future.all(consumer.completion(), snapshots.completion());
  }

  private void scheduleFlush() {
    if (!flushScheduled && retryTimer < 0) {
      flushScheduled = true;
      long wait = lastFlushNanos + GROUP_COMMIT_NANOS - System.nanoTime();
      if (wait <= 0) {
        // Runs after the messages already queued on this worker context: they join the batch.
        context.runOnContext(v -> flush());
      } else {
        // Group commit: under load, what arrives within the window shares one write, fsync and head update
        // (each costs far more kernel time than signing a record), so a busy node does at most
        // 1 s / GROUP_COMMIT of them. A lone record on a quiet node is written at once.
        vertx.setTimer(Math.max(1, wait / 1_000_000), id -> flush());
      }
    }
  }

  private void flush() {
    flushScheduled = false;
    lastFlushNanos = System.nanoTime();
    while (!queue.isEmpty()) {
      List<JsonObject> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
      for (JsonObject e : queue) {
        if (batch.size() == MAX_BATCH) {
          break;
        }
        batch.add(e);
      }
      List<JsonObject> written;
      try {
        written = log.append(batch);
      } catch (IOException | RuntimeException e) {
        failed(e);
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        queue.poll();
      }
      backlog.release(batch.size());
      if (failuresInRow > 0) {
        LOG.warn("node {}: audit writes work again after {} failed attempts", settings.node(), failuresInRow);
        failuresInRow = 0;
      }
      stats.wrote(log.seq(), log.file().getFileName().toString(), written.size());
      publish(written);
    }
  }

  private void failed(Throwable e) {
    failuresInRow++;
    String what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    stats.failed(what);
    if (failuresInRow == 1 || failuresInRow % 30 == 0) {
      LOG.error("AUDIT WRITE FAILED on node {} ({} events waiting, attempt {}): {}; retrying every {} ms",
          settings.node(), queue.size(), failuresInRow, what, RETRY_MS);
    }
    retryTimer = vertx.setTimer(RETRY_MS, id -> {
      retryTimer = -1;
      flush();
    });
  }

  /**
   * One cluster-wide message per write, {@code {"records": [...]}}: a publish on the clustered bus costs a
   * subscription lookup whether or not anyone listens, so it is paid per batch, not per record.
   */
  private void publish(List<JsonObject> records) {
    if (!records.isEmpty()) {
      JsonObject message = live.apply(new JsonObject().put("records", new JsonArray(records)));
      if (message != null) {
        vertx.eventBus().publish(Addresses.AUDIT_LIVE, message);
      }
    }
  }

  @Override
  public Future<?> stop() {
    Future<?> unregistered = Future.all(consumer == null ? Future.succeededFuture() : consumer.unregister(),
        snapshots == null ? Future.succeededFuture() : snapshots.unregister());
    return unregistered.eventually(() -> {
      if (retryTimer >= 0) {
        vertx.cancelTimer(retryTimer);
        retryTimer = -1;
      }
      flush();
      try {
        if (log != null) {
          log.close();
        }
      } catch (IOException e) {
        LOG.error("AUDIT: could not write the stop record on node {}: {}", settings.node(), e.toString());
      }
      return Future.succeededFuture();
    });
  }
}
