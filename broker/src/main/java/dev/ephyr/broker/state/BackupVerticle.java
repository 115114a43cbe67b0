package dev.ephyr.broker.state;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a backup of this node's durable state and audit trail while it runs ({@link Addresses#STATE_BACKUP},
 * local only; the admin verticle forwards checked requests here). The state copy is taken by the store's writer
 * between two batches, so it holds every write acknowledged before the request; the audit trail is cut at a
 * record boundary by its writer; the copying and checksums run on worker threads, never on the event loop.
 */
public final class BackupVerticle extends VerticleBase {
  /** Failure code of a request the operator can fix (the directory exists, is relative, ...). */
  public static final int REFUSED = 400;
  /** Failure code of a backup that failed on this node. */
  public static final int FAILED = 500;
  private static final Logger LOG = LoggerFactory.getLogger(BackupVerticle.class);
  private static final Duration AUDIT_SNAPSHOT_TIMEOUT = Duration.ofSeconds(30);

  private final ClusterNode cluster;
  private final Keyring keyring;
  private final String nodeId;
  private final Clock clock;
  private MessageConsumer<JsonObject> consumer;

  /** Backups of {@code cluster}'s state store and this node's audit trail, under {@code keyring}. */
  public BackupVerticle(ClusterNode cluster, Keyring keyring, String nodeId, Clock clock) {
    this.cluster = cluster;
    this.keyring = keyring;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(Addresses.STATE_BACKUP, this::onBackup);
    return consumer.completion();
  }

  private void onBackup(Message<JsonObject> m) {
    Object dir = m.body() == null ? null : m.body().getValue("dir");
    Path target;
    try {
      if (!(dir instanceof String d) || d.isEmpty() || d.length() > 4096) {
        throw new InvalidPathException(String.valueOf(dir), "dir is required");
      }
      target = Path.of(d).normalize();
    } catch (InvalidPathException e) {
      m.fail(REFUSED, "dir is required: an absolute path on this node for a new backup directory");
      return;
    }
    AtomicBoolean created = new AtomicBoolean();
    vertx.executeBlocking(() -> {
      BackupFiles.prepare(target);
      created.set(true);
      return null;
    }, false).compose(v -> Future.fromCompletionStage(
        cluster.backupState(target.resolve(BackupManifest.STATE_FILE)), context)
    ).compose(state -> vertx.eventBus().<JsonObject>request(Addresses.AUDIT_SNAPSHOT, new JsonObject(),
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(AUDIT_SNAPSHOT_TIMEOUT.toMillis()))
        .compose(audit -> vertx.executeBlocking(() -> Backups.summary(target,
            Backups.finish(target, nodeId, keyring, state, audit.body(), clock.instant())), false))
    ).onSuccess(summary -> {
      LOG.info("node {}: backup written to {} ({} watermarks, {} tasks, {} certificates, audit up to seq {})",
          nodeId, target, summary.getLong("watermarks"), summary.getLong("tasks"), summary.getLong("certificates"),
          summary.getLong("audit_seq"));
      m.reply(summary);
    }).onFailure(e -> {
      String why = e instanceof BackupException ? e.getMessage() : "the backup failed: " + Backups.rootMessage(e);
      LOG.warn("node {}: backup to {} refused or failed: {}", nodeId, target, why);
      if (created.get()) {
        vertx.executeBlocking(() -> {
          BackupFiles.removeUnfinished(target);
          return null;
        }, false);
      }
      m.fail(e instanceof BackupException && !created.get() ? REFUSED : FAILED, why);
    });
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
