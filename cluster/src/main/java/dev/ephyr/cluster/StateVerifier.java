package dev.ephyr.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Checks a state directory without changing it ({@code ephyr state verify DIR}): the store file and every
 * journal beside it. On explicit request ({@code --repair}) it rebuilds the directory from the entries that can
 * be proven, keeping the originals aside and saying what it dropped.
 */
public final class StateVerifier {

  private static final long BLOCK = 4096;

  private StateVerifier() {}

  /**
   * What a check found.
   *
   * @param file the state file checked
   * @param problems one line per problem, empty when the store is sound
   * @param watermarks readable watermarks (store and journals together)
   * @param tasks readable task records
   * @param certificates readable certificate records
   * @param serialHigh the serial high-water mark
   * @param journals journal files found
   * @param notes what is not a problem but worth a line (a torn journal tail a restart drops)
   * @param dropped after a repair: what could not be proven and was left out
   */
  public record Report(Path file, List<String> problems, int watermarks, int tasks, int certificates,
      long serialHigh, int journals, List<String> notes, List<String> dropped) {
    public Report {
      problems = List.copyOf(problems);
      notes = List.copyOf(notes);
      dropped = List.copyOf(dropped);
    }

    /** True when nothing is wrong. */
    public boolean ok() {
      return problems.isEmpty();
    }

    Report withDropped(List<String> d) {
      return new Report(file, problems, watermarks, tasks, certificates, serialHigh, journals, notes, d);
    }
  }

  /** What the store file holds: keys only, enough to count the state once journals are added. */
  private static final class Tally {
    final Set<String> watermarks = new HashSet<>();
    final Set<String> tasks = new HashSet<>();
    final Set<Long> certificates = new HashSet<>();
    long serialHigh;
    final List<String> problems = new ArrayList<>();

    void add(JournalRecord r) {
      if (r instanceof JournalRecord.Raise w) {
        watermarks.add(w.taskId());
      } else if (r instanceof JournalRecord.Task t) {
        tasks.add(TaskRecordCodec.decode(t.codec()).taskId());
      } else if (r instanceof JournalRecord.Certificate c) {
        certificates.add(c.serial());
        serialHigh = Math.max(serialHigh, c.serial());
      } else {
        serialHigh = Math.max(serialHigh, ((JournalRecord.SerialHigh) r).serial());
      }
    }
  }

  /** Opens the store read-only, checks its identity, decodes every entry, then reads every journal; never writes. */
  public static Report verify(Path dir) {
    Path file = dir.resolve(StateStore.FILE_NAME);
    List<Path> journals = listJournals(dir);
    Tally t = checkStore(file);
    if (!t.problems.isEmpty()) {
      return new Report(file, t.problems, 0, 0, 0, 0, journals.size(), List.of(), List.of());
    }
    List<String> notes = new ArrayList<>();
    for (int i = 0; i < journals.size(); i++) {
      StateJournal.Scan sc = StateJournal.scan(journals.get(i), i == journals.size() - 1, false);
      if (sc.problem() != null) {
        t.problems.add("journal " + sc.file().getFileName() + ": " + sc.problem());
        continue;
      }
      if (sc.torn() != null) {
        notes.add("journal " + sc.file().getFileName() + ": " + sc.torn()
            + "; a crash cut that write short before it was acknowledged, the node drops it when it starts");
      }
      sc.records().forEach(t::add);
    }
    return new Report(file, t.problems, t.watermarks.size(), t.tasks.size(), t.certificates.size(), t.serialHigh,
        journals.size(), notes, List.of());
  }

  private static List<Path> listJournals(Path dir) {
    try {
      return StateJournal.list(dir);
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private static Tally checkStore(Path file) {
    Tally t = new Tally();
    List<String> problems = t.problems;
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      problems.add("no state file " + file);
      return t;
    }
    try {
      long size = Files.size(file);
      // The engine writes whole 4 KiB blocks; a size between blocks means the end was cut off.
      if (size % BLOCK != 0) {
        problems.add("the file is truncated: " + size + " bytes is not a whole number of " + BLOCK + "-byte blocks");
        return t;
      }
    } catch (IOException e) {
      problems.add("the file cannot be read: " + StateStore.oneLine(e));
      return t;
    }
    MVStore mv;
    try {
      mv = new MVStore.Builder().fileName(file.toString()).readOnly().open();
    } catch (RuntimeException e) {
      problems.add("the file is unreadable or damaged: " + StateStore.oneLine(e));
      return t;
    }
    try {
      if (!mv.hasMap(StateStore.META)) {
        problems.add("not an Ephyr state file (no identity record)");
        return t;
      }
      MVMap<String, String> meta = mv.openMap(StateStore.META);
      String identity = meta.get(StateStore.IDENTITY_KEY);
      if (!StateStore.IDENTITY.equals(identity)) {
        problems.add("not an Ephyr state file (identity " + (identity == null ? "missing" : "'" + identity + "'") + ")");
        return t;
      }
      String high = meta.get(StateStore.SERIAL_HIGH_KEY);
      if (high != null) {
        try {
          t.serialHigh = Long.parseLong(high);
        } catch (NumberFormatException e) {
          problems.add("damaged serial high-water mark '" + high + "'");
        }
      }
      MVMap<Object, Object> wm = mv.openMap(StateStore.WATERMARKS);
      for (Map.Entry<Object, Object> e : wm.entrySet()) {
        if (e.getKey() instanceof String k && e.getValue() instanceof long[] v && v.length == 2 && v[0] >= 1) {
          t.watermarks.add(k);
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
          t.tasks.add(r.taskId());
        } catch (RuntimeException ex) {
          problems.add("damaged task record " + e.getKey() + ": " + StateStore.oneLine(ex));
        }
      }
      MVMap<Object, Object> cm = mv.openMap(StateStore.CERTS);
      for (Map.Entry<Object, Object> e : cm.entrySet()) {
        if (e.getKey() instanceof Long k && e.getValue() instanceof String) {
          t.certificates.add(k);
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
    return t;
  }

  /**
   * Rebuilds the state directory from what can be proven: every journal record that passes its checksum and
   * decodes, and every store entry that decodes (the store file is rebuilt only when it is damaged, after moving
   * it aside as {@code ephyr-state.mv.db.broken-<time>}). Journals are moved aside as
   * {@code <name>.broken-<time>} once their records are in the store. Returns the report of the result, with
   * one line per thing dropped.
   */
  public static Report repair(Path dir) throws IOException {
    Path file = dir.resolve(StateStore.FILE_NAME);
    long now = Instant.now().getEpochSecond();
    List<String> dropped = new ArrayList<>();
    List<Path> journals = listJournals(dir);
    List<JournalRecord> salvaged = new ArrayList<>();
    for (int i = 0; i < journals.size(); i++) {
      StateJournal.Scan sc = StateJournal.scan(journals.get(i), i == journals.size() - 1, true);
      salvaged.addAll(sc.records());
      for (String d : sc.dropped()) {
        dropped.add("journal " + sc.file().getFileName() + ": " + d);
      }
      if (sc.torn() != null) {
        dropped.add("journal " + sc.file().getFileName() + ": " + sc.torn() + " (never acknowledged)");
      }
    }
    for (Path j : journals) {
      Path aside = dir.resolve(j.getFileName() + ".broken-" + now);
      Files.move(j, aside, StandardCopyOption.ATOMIC_MOVE);
      Files.setPosixFilePermissions(aside, PosixFilePermissions.fromString("rw-------"));
    }
    boolean rebuild = !checkStore(file).problems.isEmpty();
    Path aside = dir.resolve(StateStore.FILE_NAME + ".broken-" + now);
    MVStore old = null;
    try {
      if (rebuild) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
          Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
          try {
            old = new MVStore.Builder().fileName(aside.toString()).readOnly().recoveryMode().open();
          } catch (RuntimeException e) {
            old = null; // nothing readable at all: the new store starts empty
            dropped.add("the state file " + file.getFileName() + " could not be read at all: every entry of it"
                + " dropped (kept as " + aside.getFileName() + ")");
          }
        }
      }
      try (StateStore fresh = StateStore.open(dir, Long.MAX_VALUE)) {
        if (old != null) {
          int lost = copy(old, fresh);
          dropped.add("the state file was rebuilt from its readable entries (" + (lost == 0 ? "none"
              : Integer.toString(lost)) + " undecodable entries dropped; the original is kept as "
              + aside.getFileName() + ")");
        }
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (JournalRecord r : salvaged) {
          writes.add(apply(fresh, r));
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
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
    if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(aside, PosixFilePermissions.fromString("rw-------"));
    }
    return verify(dir).withDropped(dropped);
  }

  private static CompletableFuture<Void> apply(StateStore s, JournalRecord r) {
    if (r instanceof JournalRecord.Raise w) {
      return s.raiseWatermark(w.taskId(), w.floor(), w.expiresAtMillis());
    } else if (r instanceof JournalRecord.Task t) {
      return s.mergeTask(TaskRecordCodec.decode(t.codec()));
    } else if (r instanceof JournalRecord.Certificate c) {
      return s.putCertificate(c.serial(), c.keepUntilMillis(), c.json());
    }
    return s.raiseSerialHigh(((JournalRecord.SerialHigh) r).serial());
  }

  /** Copies every entry that decodes; returns how many did not. */
  private static int copy(MVStore old, StateStore fresh) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    int[] lost = {0};
    tryEach(lost, () -> {
      MVMap<Object, Object> wm = old.openMap(StateStore.WATERMARKS);
      for (Map.Entry<Object, Object> e : wm.entrySet()) {
        if (e.getKey() instanceof String k && e.getValue() instanceof long[] v && v.length == 2 && v[0] >= 1) {
          writes.add(fresh.raiseWatermark(k, v[0], v[1]));
        } else {
          lost[0]++;
        }
      }
    });
    tryEach(lost, () -> {
      MVMap<Object, Object> tm = old.openMap(StateStore.TASKS);
      for (Map.Entry<Object, Object> e : tm.entrySet()) {
        try {
          TaskRecord r = TaskRecordCodec.decode((byte[]) e.getValue());
          if (r.taskId().equals(e.getKey())) {
            writes.add(fresh.mergeTask(r));
          } else {
            lost[0]++;
          }
        } catch (RuntimeException ignored) {
          lost[0]++; // cannot be proven: dropped
        }
      }
    });
    tryEach(lost, () -> {
      MVMap<Object, Object> cm = old.openMap(StateStore.CERTS);
      MVMap<Object, Object> ce = old.openMap(StateStore.CERTS + ".expiry");
      for (Map.Entry<Object, Object> e : cm.entrySet()) {
        if (e.getKey() instanceof Long k && e.getValue() instanceof String v && ce.get(k) instanceof Long until) {
          writes.add(fresh.putCertificate(k, until, v));
        } else {
          lost[0]++;
        }
      }
    });
    tryEach(lost, () -> {
      MVMap<Object, Object> meta = old.openMap(StateStore.META);
      if (meta.get(StateStore.SERIAL_HIGH_KEY) instanceof String s) {
        writes.add(fresh.raiseSerialHigh(Long.parseLong(s)));
      }
    });
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    return lost[0];
  }

  private static void tryEach(int[] lost, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException ignored) {
      lost[0]++; // a damaged map: whatever was copied before the damage stays, the rest cannot be proven
    }
  }
}
