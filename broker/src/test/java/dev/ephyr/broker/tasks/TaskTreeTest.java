package dev.ephyr.broker.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.cluster.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ancestry walk and the status derived from it, on hand-made records (including corrupt ones). */
class TaskTreeTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final long NOW_MS = NOW.toEpochMilli();

  private final TaskRecord root = task("R", null, 0);
  private final TaskRecord child = task("C", "R", 1);
  private final TaskRecord grandchild = task("G", "C", 2);
  private final TaskRecord sibling = task("S", "R", 1);
  private final TaskTree tree = TaskTree.of(List.of(root, child, grandchild, sibling));

  @Test
  void lineage_rootFirst() {
    assertEquals(List.of("R", "C", "G"), tree.lineage("G"));
    assertEquals(List.of("R"), tree.lineage("R"));
    assertEquals(List.of(), tree.lineage("nope"));
  }

  @Test
  void inSubtree_followsParentsOnly() {
    assertTrue(tree.inSubtree("G", "R"));
    assertTrue(tree.inSubtree("G", "C"));
    assertTrue(tree.inSubtree("C", "C"));
    assertFalse(tree.inSubtree("S", "C"), "a sibling is not below");
    assertFalse(tree.inSubtree("C", "G"), "an ancestor is not below its descendant");
  }

  @Test
  void inSubtree_aParentWhoseRecordIsMissingStillCounts() {
    TaskTree partial = TaskTree.of(List.of(grandchild));
    assertTrue(partial.inSubtree("G", "C"));
    assertFalse(partial.inSubtree("G", "R"), "beyond a missing record nothing is known");
  }

  @Test
  void descendants_countsTheWholeSubtree() {
    assertEquals(3, tree.descendants("R"));
    assertEquals(1, tree.descendants("C"));
    assertEquals(0, tree.descendants("G"));
  }

  @Test
  void ancestry_ofCyclicRecords_isBounded() {
    // Records that point at each other (corrupt state) must not make a walk loop.
    TaskTree cyclic = TaskTree.of(List.of(task("A", "B", 1), task("B", "A", 1)));
    assertEquals(TaskTree.MAX_HOPS, cyclic.ancestry("A").size());
    assertFalse(cyclic.inSubtree("A", "Z"));
    assertEquals(TaskTree.MAX_HOPS, cyclic.lineage("A").size());
  }

  @Test
  void status_revokedItselfOrThroughAnAncestor() {
    assertEquals(TaskStatus.ACTIVE, TaskStatus.of(grandchild, tree, id -> 0, NOW_MS));
    assertEquals(TaskStatus.REVOKED, TaskStatus.of(grandchild, tree, id -> id.equals("G") ? 1 : 0, NOW_MS));
    assertEquals(TaskStatus.REVOKED_ANCESTOR, TaskStatus.of(grandchild, tree, id -> id.equals("R") ? 1 : 0, NOW_MS));
    assertEquals(TaskStatus.ACTIVE, TaskStatus.of(child, tree, id -> id.equals("G") ? 1 : 0, NOW_MS),
        "a revoked descendant leaves its parent alone");
    assertTrue(TaskStatus.REVOKED_ANCESTOR.revoked());
    assertFalse(TaskStatus.REVOKED.live());
  }

  @Test
  void status_aWatermarkAtTheRecordsEpochIsNotARevoke() {
    TaskRecord reissued = new TaskRecord("C", "R", "R", "alice", 1, 3, NOW, NOW.plusSeconds(60), null, null, "{}");
    assertEquals(TaskStatus.ACTIVE, TaskStatus.of(reissued, tree, id -> id.equals("C") ? 3 : 0, NOW_MS));
    assertEquals(TaskStatus.REVOKED, TaskStatus.of(reissued, tree, id -> id.equals("C") ? 4 : 0, NOW_MS));
  }

  @Test
  void status_expiryAndTwoPhaseBind() {
    TaskRecord awaiting = new TaskRecord("W", "W", null, "alice", 0, 0, NOW, NOW.plusSeconds(600),
        NOW.plusSeconds(60), null, "{}");
    TaskTree t = TaskTree.of(List.of(awaiting));
    assertEquals(TaskStatus.AWAITING_BIND, TaskStatus.of(awaiting, t, id -> 0, NOW_MS));
    assertTrue(TaskStatus.AWAITING_BIND.live());
    assertEquals(TaskStatus.BIND_EXPIRED, TaskStatus.of(awaiting, t, id -> 0, NOW_MS + 60_000));
    assertEquals(TaskStatus.EXPIRED, TaskStatus.of(awaiting, t, id -> 0, NOW_MS + 600_000));
    TaskRecord bound = new TaskRecord("W", "W", null, "alice", 0, 0, NOW, NOW.plusSeconds(600),
        NOW.plusSeconds(60), "j".repeat(43), "{}");
    assertEquals(TaskStatus.ACTIVE, TaskStatus.of(bound, t, id -> 0, NOW_MS + 60_000));
  }

  private static TaskRecord task(String id, String parent, int depth) {
    return new TaskRecord(id, "R", parent, "alice", depth, 0, NOW, NOW.plus(Duration.ofHours(1)), null, null, "{}");
  }
}
