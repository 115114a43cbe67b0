package dev.ephyr.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Checks a state directory without changing it ({@code ephyr state verify DIR}), and on explicit request
 * rebuilds it from the entries that can be read ({@code --repair}), keeping the original file aside.
 */
public final class StateVerifier {

  private static final long BLOCK = 4096;

  private StateVerifier() {}

  /**
   * What a check found.
   *
   * @param file the state file checked
   * @param problems one line per problem, empty when the store is sound
   * @param watermarks readable watermarks
   * @param tasks readable task records
   * @param certificates readable certificate records
   * @param serialHigh the stored serial high-water mark
   */
  public record Report(Path file, List<String> problems, int watermarks, int tasks, int certificates,
      long serialHigh) {
    public Report {
      problems = List.copyOf(problems);
    }

    /** True when nothing is wrong. */
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Opens the store read-only, checks its identity and decodes every entry; never writes. */
  public static Report verify(Path dir) {
    Path file = dir.resolve(StateStore.FILE_NAME);
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      problems.add("no state file " + file);
      return new Report(file, problems, 0, 0, 0, 0);
    }
    try {
      long size = Files.size(file);
      // The engine writes whole 4 KiB blocks; a size between blocks means the end was cut off.
      if (size % BLOCK != 0) {
        problems.add("the file is truncated: " + size + " bytes is not a whole number of " + BLOCK + "-byte blocks");
        return new Report(file, problems, 0, 0, 0, 0);
      }
    } catch (IOException e) {
      problems.add("the file cannot be read: " + StateStore.oneLine(e));
      return new Report(file, problems, 0, 0, 0, 0);
    }
    MVStore mv;
    try {
      mv = new MVStore.Builder().fileName(file.toString()).readOnly().open();
    } catch (RuntimeException e) {
      problems.add("the file is unreadable or damaged: " + StateStore.oneLine(e));
      return new Report(file, problems, 0, 0, 0, 0);
    }
    int w = 0;
    int t = 0;
    int c = 0;
    long serialHigh = 0;
    try {
      if (!mv.hasMap(StateStore.META)) {
        problems.add("not an Ephyr state file (no identity record)");
        return new Report(file, problems, 0, 0, 0, 0);
      }
      MVMap<String, String> meta = mv.openMap(StateStore.META);
      String identity = meta.get(StateStore.IDENTITY_KEY);
      if (!StateStore.IDENTITY.equals(identity)) {
        problems.add("not an Ephyr state file (identity " + (identity == null ? "missing" : "'" + identity + "'") + ")");
        return new Report(file, problems, 0, 0, 0, 0);
      }
      String high = meta.get(StateStore.SERIAL_HIGH_KEY);
      if (high != null) {
        try {
          serialHigh = Long.parseLong(high);
        } catch (NumberFormatException e) {
          problems.add("damaged serial high-water mark '" + high + "'");
        }
      }
      MVMap<Object, Object> wm = mv.openMap(StateStore.WATERMARKS);
      for (Map.Entry<Object, Object> e : wm.entrySet()) {
        if (e.getKey() instanceof String && e.getValue() instanceof long[] v && v.length == 2 && v[0] >= 1) {
          w++;
        } else {
          problems.add("damaged watermark entry " + e.getKey());
        }
      }
      MVMap<Object, Object> tm = mv.openMap(StateStore.TASKS);
      for (Map.Entry<Object, Object> e : tm.entrySet()) {
        try {
          TaskRecord r = TaskRecordCodec.decode((byte[]) e.getValue());
          if (!r.taskId().equals(e.getKey())) {
            throw new IllegalArgumentException("stored under another id");
          }
          t++;
        } catch (RuntimeException ex) {
          problems.add("damaged task record " + e.getKey() + ": " + StateStore.oneLine(ex));
        }
      }
      MVMap<Object, Object> cm = mv.openMap(StateStore.CERTS);
      for (Map.Entry<Object, Object> e : cm.entrySet()) {
        if (e.getKey() instanceof Long && e.getValue() instanceof String) {
          c++;
        } else {
          problems.add("damaged certificate record " + e.getKey());
        }
      }
    } catch (RuntimeException e) {
      problems.add("the file is damaged: " + StateStore.oneLine(e));
    } finally {
      try {
        mv.closeImmediately();
      } catch (RuntimeException ignored) {
        // read-only: nothing to lose
      }
    }
    return new Report(file, problems, w, t, c, serialHigh);
  }

  /**
   * Rebuilds the store from what can be read (each entry decoded and checked; nothing guessed), after
   * moving the original aside as {@code ephyr-state.mv.db.broken-<time>}. Returns the report of the new store.
   */
  public static Report repair(Path dir) throws IOException {
    Path file = dir.resolve(StateStore.FILE_NAME);
    Path aside = dir.resolve(StateStore.FILE_NAME + ".broken-" + Instant.now().getEpochSecond());
    Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
    MVStore old = null;
    try {
      try {
        old = new MVStore.Builder().fileName(aside.toString()).readOnly().recoveryMode().open();
      } catch (RuntimeException e) {
        old = null; // nothing readable at all: the new store starts empty
      }
      try (StateStore fresh = StateStore.open(dir, Long.MAX_VALUE)) {
        if (old != null) {
          copy(old, fresh);
        }
      }
    } finally {
      if (old != null) {
        try {
          old.closeImmediately();
        } catch (RuntimeException ignored) {
          // read-only
        }
      }
    }
    Files.setPosixFilePermissions(aside, PosixFilePermissions.fromString("rw-------"));
    return verify(dir);
  }

  private static void copy(MVStore old, StateStore fresh) {
    List<java.util.concurrent.CompletableFuture<?>> writes = new ArrayList<>();
    tryEach(() -> {
      MVMap<Object, Object> wm = old.openMap(StateStore.WATERMARKS);
      for (Map.Entry<Object, Object> e : wm.entrySet()) {
        if (e.getKey() instanceof String k && e.getValue() instanceof long[] v && v.length == 2 && v[0] >= 1) {
          writes.add(fresh.raiseWatermark(k, v[0], v[1]));
        }
      }
    });
    tryEach(() -> {
      MVMap<Object, Object> tm = old.openMap(StateStore.TASKS);
      for (Map.Entry<Object, Object> e : tm.entrySet()) {
        try {
          TaskRecord r = TaskRecordCodec.decode((byte[]) e.getValue());
          if (r.taskId().equals(e.getKey())) {
            writes.add(fresh.mergeTask(r));
          }
        } catch (RuntimeException ignored) {
          // cannot be proven: dropped, and counted by the verify that follows
        }
      }
    });
    tryEach(() -> {
      MVMap<Object, Object> cm = old.openMap(StateStore.CERTS);
      MVMap<Object, Object> ce = old.openMap(StateStore.CERTS + ".expiry");
      for (Map.Entry<Object, Object> e : cm.entrySet()) {
        if (e.getKey() instanceof Long k && e.getValue() instanceof String v && ce.get(k) instanceof Long until) {
          writes.add(fresh.putCertificate(k, until, v));
        }
      }
    });
    tryEach(() -> {
      MVMap<Object, Object> meta = old.openMap(StateStore.META);
      if (meta.get(StateStore.SERIAL_HIGH_KEY) instanceof String s) {
        writes.add(fresh.raiseSerialHigh(Long.parseLong(s)));
      }
    });
    java.util.concurrent.CompletableFuture.allOf(writes.toArray(new java.util.concurrent.CompletableFuture[0])).join();
  }

  private static void tryEach(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException ignored) {
      // a damaged map: whatever was copied before the damage stays, the rest cannot be proven
    }
  }
}
