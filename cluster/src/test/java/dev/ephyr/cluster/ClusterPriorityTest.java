package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The threads an acknowledged revoke waits on run above the priority of the threads that start the node (and of
 * the event loops that carry request traffic): Hazelcast's own, the state store's writer, the callback pool and
 * the acknowledgement executor's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class ClusterPriorityTest {

  private final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    TestClusters.closeAll(nodes);
  }

  @Test
  void revokePathThreads_runAtMaximumPriority_andTheStarterKeepsItsOwn(@TempDir Path tmp) throws Exception {
    Path state = Files.createDirectory(tmp.resolve("state"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    int port = TestClusters.freePorts(1).get(0);
    String id = "prio-" + port;
    int before = Thread.currentThread().getPriority();
    ClusterNode n = ClusterNode.start(TestClusters.config(TestClusters.uniqueName("prio"), id, port, List.of(port))
        .stateDir(state).build());
    nodes.add(n);
    assertTrue(n.awaitReady(Duration.ofSeconds(60)), n.readiness()::toString);
    assertEquals(before, Thread.currentThread().getPriority(), "the starting thread gets its own priority back");

    RaiseResult r = n.watermarks().revoke("prio-task", Instant.now().plusSeconds(600))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(r.acknowledgedByAll());

    List<String> low = new ArrayList<>();
    int hazelcast = 0;
    boolean writer = false;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      boolean ours = name.startsWith("hz.ephyr-" + id + ".") && (name.contains("partition-operation")
          || name.contains(".IO.") || name.contains("response") || name.contains("generic-operation"));
      if (ours) {
        hazelcast++;
      }
      if (name.equals("ephyr-state-writer") && t.isAlive()) {
        writer |= t.getPriority() == Thread.MAX_PRIORITY;
      }
      if ((ours || name.startsWith("ephyr-cluster-callback-")) && t.getPriority() != Thread.MAX_PRIORITY) {
        low.add(name + " at " + t.getPriority());
      }
    }
    assertTrue(hazelcast >= 4, "found Hazelcast's operation, I/O and response threads: " + hazelcast);
    assertTrue(writer, "the state store's writer runs at maximum priority");
    assertFalse(!low.isEmpty(), "threads on the revoke's path below maximum priority: " + low);
  }
}
