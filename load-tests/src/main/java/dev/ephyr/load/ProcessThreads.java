package dev.ephyr.load;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of another process's threads by thread name, read from {@code /proc/PID/task/TID/stat} (user and
 * system time, in clock ticks). Unlike JFR's execution samples it includes kernel time, the JIT compiler and
 * the garbage collector — which is where much of a short phase's CPU goes. Linux only; elsewhere empty.
 */
final class ProcessThreads {
  /** {@code USER_HZ}: 100 on every Linux architecture the project runs on. */
  private static final double MICROS_PER_TICK = 10_000;

  private ProcessThreads() {}

  /** CPU ticks by thread group (the kernel's 15-character thread name with digits replaced by N). */
  static Map<String, Long> ticks(long pid) {
    Map<String, Long> out = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended between the listing and the read
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = stat.substring(open + 1, close).replaceAll("\\d+", "N");
        String[] f = stat.substring(close + 2).split(" ");
        out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum); // utime, stime
      }
    } catch (IOException | RuntimeException noProc) {
      return Map.of();
    }
    return out;
  }

  /** Microseconds of CPU per operation by thread group between two {@link #ticks} readings, largest first. */
  static JsonObject perOperation(Map<String, Long> before, Map<String, Long> after, long operations) {
    Map<String, Long> diff = new TreeMap<>();
    after.forEach((k, v) -> diff.put(k, v - before.getOrDefault(k, 0L)));
    JsonObject out = new JsonObject();
    diff.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), Recorder.round(e.getValue() * MICROS_PER_TICK / Math.max(1, operations))));
    return out;
  }
}
