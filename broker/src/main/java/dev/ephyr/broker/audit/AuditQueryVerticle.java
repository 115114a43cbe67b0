package dev.ephyr.broker.audit;

import dev.ephyr.broker.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Searches this node's audit files ({@link Addresses#AUDIT_QUERY}, local only: the admin verticle checks the
 * operator and forwards). A worker of its own, so a long scan never delays the writer. Files last modified
 * before {@code since} are skipped; the rest are read line by line, keeping the latest matches.
 */
public final class AuditQueryVerticle extends VerticleBase {
  private final AuditSettings settings;
  private MessageConsumer<JsonObject> consumer;

  /** Searches the files of {@code settings}. */
  public AuditQueryVerticle(AuditSettings settings) {
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(Addresses.AUDIT_QUERY, this::onQuery);
    return consumer.completion();
  }

  private void onQuery(Message<JsonObject> m) {
    AuditQuery q;
    try {
      q = AuditQuery.fromJson(m.body() == null ? new JsonObject() : m.body());
    } catch (AuditQuery.BadQuery e) {
      m.reply(new JsonObject().put("error", "invalid_params").put("message", e.getMessage()));
      return;
    }
    try {
      m.reply(search(settings.dir(), q).put("node", settings.node()));
    } catch (IOException e) {
      m.reply(new JsonObject().put("node", settings.node()).put("error", "audit_unreadable")
          .put("message", "cannot read the audit files: " + e.getClass().getSimpleName()));
    }
  }

  /** Searches {@code dir}; {@code {records: [...], truncated, scanned}}. */
  static JsonObject search(Path dir, AuditQuery q) throws IOException {
    ArrayDeque<JsonObject> kept = new ArrayDeque<>();
    boolean truncated = false;
    long scanned = 0;
    List<Path> files = AuditFiles.list(dir);
    for (Path f : files) {
      if (q.since() != null && Files.getLastModifiedTime(f).toInstant().isBefore(q.since())) {
        continue;
      }
      Instant first = q.until() == null ? null : firstTime(f);
      if (first != null && !first.isBefore(q.until())) {
        break;
      }
      try (java.io.InputStream in = Files.newInputStream(f)) {
        BoundedLines lines = new BoundedLines(in);
        BoundedLines.Line l;
        while ((l = lines.next()) != null) {
          scanned++;
          String line = l.text();
          if (l.tooLong() || !l.terminated() || line.isEmpty()) {
            continue; // over-long, or the writer's line in progress
          }
          JsonObject rec;
          try {
            rec = new JsonObject(line);
          } catch (DecodeException | ClassCastException e) {
            continue; // verify reports broken lines; a search skips them
          }
          if (q.matches(rec)) {
            kept.addLast(rec);
            if (kept.size() > q.limit()) {
              kept.removeFirst();
              truncated = true;
            }
          }
        }
      }
    }
    return new JsonObject().put("records", new JsonArray(List.copyOf(kept))).put("truncated", truncated)
        .put("scanned", scanned);
  }

  private static Instant firstTime(Path f) {
    try (java.io.InputStream in = Files.newInputStream(f)) {
      BoundedLines.Line l = new BoundedLines(in).next();
      if (l == null || l.tooLong()) {
        return null;
      }
      return Instant.parse(new JsonObject(l.text()).getString("time"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
