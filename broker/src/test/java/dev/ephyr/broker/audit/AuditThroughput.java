package dev.ephyr.broker.audit;

import dev.ephyr.protocol.keys.Keyring;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Throughput of the audit chain (not a test: run by hand, see docs/benchmarks.md). */
public final class AuditThroughput {
  public static void main(String[] a) throws Exception {
    AuditKeys keys = AuditKeys.of(Keyring.generate("k1", new SecureRandom()));
    JsonObject ev = AuditEvent.builder(Clock.systemUTC().instant(), "n1", "tools/call task_info").agent("alice")
        .task("01M8DZ8GR86226TGSPW5PQNNDJ").lineage("01M8DZ8GJ4E3S2PK42WJG6GW7K", List.of("01M8DZ8GJ4E3S2PK42WJG6GW7K", "01M8DZ8GR86226TGSPW5PQNNDJ"))
        .request("n1-123").remote("127.0.0.1").status(200).micros(321).resource("task:01M8DZ8GR86226TGSPW5PQNNDJ").build().toJson();
    for (int round = 0; round < 5; round++) {
      int n = 200_000;
      long t0 = System.nanoTime();
      String prev = AuditLine.GENESIS;
      for (int i = 0; i < n; i++) {
        prev = AuditLine.sign(ev, i + 1, prev, keys).mac();
      }
      long t1 = System.nanoTime();
      System.out.printf("sign: %.2f us/record%n", (t1 - t0) / 1e3 / n);
    }
    for (boolean sync : new boolean[] {false, true}) {
      Path dir = Files.createTempDirectory("ab");
      try (AuditLog log = AuditLog.open(dir, keys, 64L << 20, Clock.systemUTC(), "n1", sync)) {
        List<JsonObject> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) batch.add(ev);
        for (int w = 0; w < 200; w++) log.append(batch);
        int batches = 2000;
        long t0 = System.nanoTime();
        for (int i = 0; i < batches; i++) log.append(batch);
        long t1 = System.nanoTime();
        System.out.printf("append sync=%s batch=100: %.2f us/record, %.0f records/s%n", sync, (t1 - t0) / 1e3 / (batches * 100), batches * 100 / ((t1 - t0) / 1e9));
        List<JsonObject> one = List.of(ev);
        t0 = System.nanoTime();
        for (int i = 0; i < 2000; i++) log.append(one);
        t1 = System.nanoTime();
        System.out.printf("append sync=%s batch=1: %.1f us/record%n", sync, (t1 - t0) / 1e3 / 2000);
      }
      long t0 = System.nanoTime();
      AuditVerifier.Report r = new AuditVerifier(keys).verify(AuditFiles.list(dir), dir.resolve(AuditFiles.HEAD));
      long t1 = System.nanoTime();
      System.out.printf("verify %d records: %.2f us/record ok=%s%n", r.records(), (t1 - t0) / 1e3 / r.records(), r.ok());
    }
  }
}
