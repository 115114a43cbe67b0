package dev.ephyr.broker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer verticle: live publication, and a disk that fails at runtime (loud, bounded, then recovers). */
class AuditWriterTest {
  @TempDir Path dir;

  static void await(String what, BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // poll interval
    }
  }

  @Test
  void aFullDisk_isReportedLoudly_boundsTheBacklog_andTheChainSurvivesRecovery() throws Exception {
    Keyring keyring = Keyring.generate("k1", new SecureRandom());
    AuditKeys keys = AuditKeys.of(keyring);
    // The file after the first rotation is /dev/full: every write to it fails with "no space left".
    Path second = dir.resolve(AuditFiles.name(2));
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    Vertx vertx = Vertx.vertx();
    try {
      AuditBacklog backlog = new AuditBacklog(200);
      AuditStats stats = new AuditStats();
      AuditSettings settings = new AuditSettings("n1", dir, 64 * 1024, true, keys);
      List<JsonObject> live = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.AUDIT_LIVE,
          m -> m.body().getJsonArray("records").forEach(r -> live.add((JsonObject) r)));
      vertx.deployVerticle(new AuditVerticle(settings, backlog, stats, Clock.systemUTC(),
          java.util.function.UnaryOperator.identity()),
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(30, TimeUnit.SECONDS);
      Files.createSymbolicLink(second, Path.of("/dev/full"));
      EventBusAuditSink sink = new EventBusAuditSink(vertx, backlog);
      // Fill the first file up to its rotation size, one confirmed record at a time (the record after it rotates).
      long base = stats.written();
      int i = 0;
      while (Files.size(dir.resolve(AuditFiles.name(1))) < 64 * 1024) {
        sink.record(AuditEvent.builder(Clock.systemUTC().instant(), "n1", "tools/call task_info").agent("alice")
            .detail("filler " + i++ + " " + "x".repeat(200)).build());
        long target = base + i;
        await("record written", () -> stats.written() >= target);
      }
      await("live events", () -> !live.isEmpty());
      assertTrue(live.get(0).containsKey("mac") && live.get(0).containsKey("seq"), live.get(0).encode());
      for (int k = 0; k < 500; k++) {
        sink.record(AuditEvent.builder(Clock.systemUTC().instant(), "n1", "tools/call task_info").agent("bob")
            .detail("during the outage " + k).build());
      }
      await("the failure to show", stats::failing);
      await("drops to be counted", () -> backlog.dropped() > 0);
      assertTrue(backlog.pending() <= backlog.capacity());
      String text = log.toString(StandardCharsets.UTF_8);
      assertTrue(text.contains("AUDIT WRITE FAILED"), text);
      assertTrue(text.contains("AUDIT RECORDS DROPPED"), text);
      assertTrue(stats.toJson(backlog).getBoolean("failing"));

      Files.delete(second); // the disk is back: the next retry reopens a regular file
      await("writes to recover", () -> !stats.failing() && backlog.pending() == 0);
      vertx.close().await(30, TimeUnit.SECONDS);
      vertx = null;
      AuditVerifier.Report r = new AuditVerifier(keys).verify(AuditFiles.list(dir), dir.resolve(AuditFiles.HEAD));
      assertTrue(r.ok(), r.toString());
      String all = Files.readString(dir.resolve(AuditFiles.name(1))) + Files.readString(second);
      assertTrue(all.contains("during the outage 0"), "what waited in the backlog was written after recovery");
      assertEquals(500 - backlog.dropped(), all.lines().filter(l -> l.contains("during the outage")).count());
    } finally {
      System.setErr(originalErr);
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }
}
