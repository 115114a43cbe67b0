package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The listing index alone: what it answers, when it refuses to answer, and what it keeps. */
class TaskIndexTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final long RETENTION = Duration.ofHours(1).toMillis();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  private static TaskRecord task(String id, String root, String agent, Instant created, Instant expires) {
    return new TaskRecord(id, root, id.equals(root) ? null : root, agent, id.equals(root) ? 0 : 1, 0, created,
        expires, null, null, "{}");
  }

  private static TaskRecord task(String id, String root, String agent) {
    return task(id, root, agent, NOW.minusSeconds(120), NOW.plusSeconds(600));
  }

  @Test
  void answersNothingBeforeAFullLoad_thenFromMemory() {
    TaskIndex index = new TaskIndex(100, clock, RETENTION);
    index.upsert(task("r1", "r1", "alice"));
    assertTrue(index.byAgent("alice").isEmpty(), "events alone do not make a complete copy: the caller must query");

    TaskRecord child = task("c1", "r1", "bob", NOW.minusSeconds(60), NOW.plusSeconds(600)); // after its root
    index.load(List.of(task("r1", "r1", "alice"), child, task("r2", "r2", "alice")), 3, NOW.toEpochMilli());
    assertEquals(List.of("r1", "r2"), ids(index.byAgent("alice").orElseThrow()));
    assertEquals(List.of("r1", "c1"), ids(index.byRoot("r1").orElseThrow()));
    assertEquals(List.of(), index.byAgent("carol").orElseThrow(), "an agent without tasks: an empty answer, not a query");
    assertEquals(3, index.served());
  }

  @Test
  void changesMerge_byTheKeepTheMaximumRules() {
    TaskIndex index = loaded(task("r1", "r1", "alice"));
    TaskRecord bound = task("r1", "r1", "alice").withHolder("jkt-1");
    index.upsert(bound);
    index.upsert(task("r1", "r1", "alice")); // a late event with the unbound copy
    assertEquals("jkt-1", index.byAgent("alice").orElseThrow().get(0).holderJkt(), "a bound holder never disappears");
  }

  @Test
  void removedAndExpiredRecords_leaveTheListings() {
    TaskIndex index = loaded(task("r1", "r1", "alice"), task("r2", "r2", "alice"),
        task("old", "old", "alice", NOW.minusSeconds(7_300), NOW.minusSeconds(3_700)));
    assertEquals(List.of("r1", "r2"), ids(index.byAgent("alice").orElseThrow()), "past expiry plus retention: hidden");
    index.remove("r1");
    assertEquals(List.of("r2"), ids(index.byAgent("alice").orElseThrow()));
    assertEquals(List.of(), index.byRoot("r1").orElseThrow());
  }

  @Test
  void aReload_dropsWhatTheClusterNoLongerHas_butKeepsRecentCreations() {
    TaskIndex index = loaded(task("gone", "gone", "alice"), task("kept", "kept", "alice"));
    TaskRecord justCreated = task("new", "new", "alice", NOW.minusSeconds(5), NOW.plusSeconds(600));
    index.upsert(justCreated); // its event arrived; the read below ran before it reached the map
    index.load(List.of(task("kept", "kept", "alice")), 1, NOW.toEpochMilli());
    assertEquals(List.of("kept", "new"), ids(index.byAgent("alice").orElseThrow()));
  }

  @Test
  void moreRecordsThanItMayHold_switchesItOff_untilAReloadFits() {
    TaskIndex index = loaded(task("r1", "r1", "alice"), task("r2", "r2", "alice"));
    index.upsert(task("r3", "r3", "alice"));
    index.upsert(task("r4", "r4", "alice")); // 4 > 3
    assertTrue(index.byAgent("alice").isEmpty(), "incomplete copies never answer: listings query the cluster");
    assertEquals(0, index.size(), "nothing held while off");
    index.upsert(task("r5", "r5", "alice"));
    assertEquals(0, index.size(), "events are not collected while off");

    index.load(List.of(), 5, NOW.toEpochMilli());
    assertTrue(index.byAgent("alice").isEmpty(), "the cluster's size alone keeps it off");
    index.load(List.of(task("r1", "r1", "alice"), task("r2", "r2", "alice")), 2, NOW.toEpochMilli());
    assertEquals(List.of("r1", "r2"), ids(index.byAgent("alice").orElseThrow()));
  }

  @Test
  void sizeZero_isOff() {
    TaskIndex index = new TaskIndex(0, clock, RETENTION);
    index.load(List.of(task("r1", "r1", "alice")), 1, NOW.toEpochMilli());
    assertFalse(index.enabled());
    assertTrue(index.byAgent("alice").isEmpty());
  }

  @Test
  void concurrentAddsAndRemovesOfOneAgent_loseNoLiveRecord() throws Exception {
    TaskIndex index = new TaskIndex(100_000, clock, RETENTION);
    index.load(List.of(), 0, NOW.toEpochMilli());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int lane = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 5_000; i++) {
            String id = "t" + lane + "-" + i;
            index.upsert(task(id, id, "alice"));
            if (i % 2 == 0) {
              index.remove(id); // empties the agent's set now and then while other lanes add to it
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(4 * 2_500, index.byAgent("alice").orElseThrow().size());
  }

  private TaskIndex loaded(TaskRecord... records) {
    TaskIndex index = new TaskIndex(Math.max(3, records.length), clock, RETENTION);
    index.load(List.of(records), records.length, NOW.toEpochMilli());
    return index;
  }

  private static List<String> ids(List<TaskRecord> records) {
    return records.stream().map(TaskRecord::taskId).toList();
  }
}
