package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers verify continuously on three member processes while revocations are issued on random members.
 * After each acknowledged revoke, no check that started later accepts a token of that subtree on any node
 * (checks and acknowledgements are timed with System.nanoTime, which is CLOCK_MONOTONIC and shared by
 * processes on one host).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class RevocationRaceTest {

  private static final Duration CALL = ProcessCluster.CALL;
  private static final int LINEAGES = 12;
  private ProcessCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private record Stats(long lastAcceptStart, long lastRejectStart, long checks) {
    static Stats of(ChildNode n, int lineage) throws InterruptedException {
      String[] f = n.call(CALL, "stats " + lineage).split(" ");
      return new Stats(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    }
  }

  @Test
  void afterEachAcknowledgedRevoke_noNodeAcceptsThatSubtree() throws Exception {
    cluster = ProcessCluster.start("race", 3, Map.of());
    StringBuilder lineages = new StringBuilder();
    for (int i = 0; i < LINEAGES; i++) {
      lineages.append(" root").append(i).append(",child").append(i).append(",grandchild").append(i);
    }
    for (ChildNode n : cluster.nodes) {
      n.call(CALL, "readers" + lineages);
    }
    // Every reader has accepted every lineage at least once before any revocation.
    for (ChildNode n : cluster.nodes) {
      for (int i = 0; i < LINEAGES; i++) {
        int lineage = i;
        Eventually.await(Duration.ofSeconds(30), n.name + " accepted lineage " + i,
            () -> Stats.of(n, lineage).lastAcceptStart() > 0);
      }
    }

    Random random = new Random();
    long[] ackedAt = new long[LINEAGES];
    String[] levels = {"root", "child", "grandchild"};
    for (int i = 0; i < LINEAGES; i++) {
      ChildNode issuer = cluster.nodes.get(random.nextInt(cluster.nodes.size()));
      String target = levels[random.nextInt(levels.length)] + i;
      String[] answer = issuer.call(CALL, "raise " + target + " " + Long.MAX_VALUE).split(" ");
      assertEquals("3", answer[1], "acknowledged by all three: " + String.join(" ", answer));
      assertEquals("0", answer[2]);
      ackedAt[i] = Long.parseLong(answer[3]);
    }

    List<String> violations = new ArrayList<>();
    for (ChildNode n : cluster.nodes) {
      for (int i = 0; i < LINEAGES; i++) {
        int lineage = i;
        long ack = ackedAt[i];
        // Wait until this reader has checked the lineage after the acknowledgement, so the assertion
        // below is about real post-ack checks.
        Eventually.await(Duration.ofSeconds(30), n.name + " checked lineage " + i + " after its revoke",
            () -> Stats.of(n, lineage).lastRejectStart() > ack);
        Stats s = Stats.of(n, lineage);
        if (s.lastAcceptStart() >= ack) {
          violations.add(n.name + " accepted lineage " + i + " in a check started "
              + (s.lastAcceptStart() - ack) + " ns after the acknowledgement");
        }
        assertTrue(s.lastAcceptStart() > 0 && s.checks() > 0);
      }
    }
    assertEquals(List.of(), violations);
  }
}
