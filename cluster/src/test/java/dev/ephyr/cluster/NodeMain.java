package dev.ephyr.cluster;

import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A cluster node in its own JVM, driven by the multi-process tests over stdin/stdout lines.
 *
 * <p>Arguments are {@code key=value} settings for {@link ClusterConfig#fromMap}. Requests are
 * {@code <id> <command> <args...>}; every answer is one line {@code @@ <id> OK ...} or {@code @@ <id> ERR ...}
 * (the prefix keeps stray output from being mistaken for an answer).
 */
public final class NodeMain {

  private final ClusterNode node;
  private final PrintStream out;
  private final AtomicInteger merges = new AtomicInteger();
  private final List<Lineage> readers = new CopyOnWriteArrayList<>();

  private NodeMain(ClusterNode node, PrintStream out) {
    this.node = node;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Map<String, String> settings = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      settings.put(a.substring(0, eq), a.substring(eq + 1));
    }
    ClusterNode node = ClusterNode.start(ClusterConfig.fromMap(settings));
    NodeMain main = new NodeMain(node, out);
    node.hazelcast().getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
        main.merges.incrementAndGet();
      }
    });
    out.println("@@ 0 STARTED");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length < 2) {
        continue;
      }
      String id = parts[0];
      String answer;
      try {
        answer = main.handle(parts);
      } catch (Exception e) {
        answer = "ERR " + e.toString().replace('\n', ' ');
      }
      out.println("@@ " + id + " " + answer);
      if ("quit".equals(parts[1])) {
        break;
      }
    }
    node.close();
    System.exit(0);
  }

  private String handle(String[] p) throws Exception {
    switch (p[1]) {
      case "raise": {
        long floor = "MAX".equals(p[3]) ? Long.MAX_VALUE : Long.parseLong(p[3]);
        AtomicLong ackedAt = new AtomicLong();
        RaiseResult r = node.watermarks().raise(p[2], floor, Instant.now().plusSeconds(3600))
            .whenComplete((v, e) -> ackedAt.set(System.nanoTime())) // as close to completion as possible
            .toCompletableFuture().get(60, TimeUnit.SECONDS);
        return "OK " + r.watermark() + " " + r.acknowledged().size() + " " + r.missing().size() + " "
            + ackedAt.get() + " " + String.join(",", r.missing());
      }
      case "check":
        return "OK " + check(p[2].split(","));
      case "wm":
        return "OK " + node.watermarks().watermark(p[2]);
      case "state":
        return "OK " + node.readiness().state() + " " + node.hazelcast().getCluster().getMembers().size();
      case "merges":
        return "OK " + merges.get();
      case "merge-now":
        // What Hazelcast's split-brain handler does on its schedule: look for a larger cluster and merge into it.
        // The split-brain test runs that schedule by hand so that its writes on each side land before the merge.
        ((HazelcastInstanceProxy) node.hazelcast()).getOriginal().node.getJoiner().searchForOtherClusters();
        return "OK searched";
      case "readers": {
        List<Lineage> lineages = new java.util.ArrayList<>();
        for (int i = 2; i < p.length; i++) {
          lineages.add(new Lineage(p[i].split(",")));
        }
        readers.addAll(lineages);
        // One thread for all lineages: three JVMs share two cores with the test.
        Thread t = new Thread(() -> readLoop(lineages), "reader");
        t.setDaemon(true);
        t.start();
        return "OK " + readers.size();
      }
      case "stats": {
        Lineage r = readers.get(Integer.parseInt(p[2]));
        return "OK " + r.lastAcceptStart.get() + " " + r.lastRejectStart.get() + " " + r.checks.get();
      }
      case "quit":
        return "OK bye";
      default:
        return "ERR unknown command " + p[1];
    }
  }

  /** What a verifier would decide for a token whose lineage is these tasks, all at epoch 0. */
  private String check(String[] lineage) {
    if (!node.watermarks().available()) {
      return "UNAVAILABLE";
    }
    for (String task : lineage) {
      if (node.watermarks().watermark(task) > 0) {
        return "REVOKED";
      }
    }
    return "ACCEPT";
  }

  /** Verifies every lineage in turn, forever, remembering when accepting and rejecting checks started. */
  private void readLoop(List<Lineage> lineages) {
    while (true) {
      for (Lineage l : lineages) {
        long start = System.nanoTime(); // taken before reading the mirror
        String outcome = check(l.tasks);
        if ("ACCEPT".equals(outcome)) {
          l.lastAcceptStart.set(start);
        } else if ("REVOKED".equals(outcome)) {
          l.lastRejectStart.set(start);
        }
        l.checks.incrementAndGet();
      }
      // Pacing for a 2-core machine: the readers must not starve the members' heartbeats.
      LockSupport.parkNanos(200_000);
    }
  }

  /** A token lineage under continuous verification, with the start times of its last outcomes. */
  private static final class Lineage {
    final String[] tasks;
    final AtomicLong lastAcceptStart = new AtomicLong();
    final AtomicLong lastRejectStart = new AtomicLong();
    final AtomicLong checks = new AtomicLong();

    Lineage(String[] tasks) {
      this.tasks = tasks;
    }
  }
}
