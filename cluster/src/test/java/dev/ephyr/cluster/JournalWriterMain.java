package dev.ephyr.cluster;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link StateJournalTest}: writes to a state store from 16 lanes with checkpoints every few
 * KiB, printing "acked KIND ID" once each write is acknowledged, until it is killed.
 */
final class JournalWriterMain {
  private JournalWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    long later = System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1);
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    StateStore s = StateStore.open(dir, 1L << 30, 4_096, TimeUnit.MILLISECONDS.toNanos(20));
    out.println("opened");
    List<Thread> lanes = new ArrayList<>();
    for (int lane = 0; lane < 16; lane++) {
      int l = lane;
      Thread t = new Thread(() -> {
        for (int i = 0; ; i++) {
          String id = prefix + "-" + l + "-" + i;
          if (i % 7 == 3) {
            s.mergeTask(new TaskRecord(id, id, null, "alice", 0, 0, Instant.now(), Instant.now().plusSeconds(600),
                null, "jkt-" + id, "{}")).join();
            ack(out, "task " + id);
          } else if (i % 11 == 5) {
            long serial = 1_000_000L * (l + 1) + i;
            s.putCertificate(serial, later, "{\"serial\":" + serial + "}").join();
            ack(out, "cert " + serial);
          } else {
            s.raiseWatermark(id, i + 1, later).join();
            ack(out, "mark " + id + " " + (i + 1));
          }
        }
      }, "lane-" + lane);
      t.setDaemon(true);
      t.start();
      lanes.add(t);
    }
    for (Thread t : lanes) {
      t.join();
    }
  }

  private static void ack(PrintStream out, String what) {
    synchronized (out) {
      out.println("acked " + what);
    }
  }
}
