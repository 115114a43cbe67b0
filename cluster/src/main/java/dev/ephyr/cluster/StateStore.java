package dev.ephyr.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's durable copy of the cluster's security state: watermarks, task records, issued-certificate
 * records and the serial high-water mark, in an H2 MVStore file with a write-ahead journal in front of it.
 *
 * <p>Writes are queued to one writer thread that applies everything waiting to the maps in memory, appends
 * the batch's records to the current journal and syncs it once (group commit): a write's future completes
 * only after the sync that covers it. MVStore's own commit, whose tail latency is many times a journal
 * append's, runs on a separate checkpoint thread: the writer switches to a new journal, the checkpoint
 * commits and syncs the store, then deletes the journals that commit covers. Opening replays every journal
 * (every record is a keep-the-maximum merge, so replay is idempotent). Reads are for cold start and status
 * only; verification never touches this class. A write failure (full disk, size limit, I/O error) puts the
 * store in a failed state that refuses every later write, loudly, until the node restarts; memory keeps
 * serving reads.
 */
public final class StateStore implements AutoCloseable {

  /** The file inside the state directory. */
  public static final String FILE_NAME = "ephyr-state.mv.db";
  static final String USER_CONTEXT_KEY = "ephyr.state-store";

  static final String IDENTITY_KEY = "identity";
  static final String IDENTITY = "ephyr-cluster-state/1";
  static final String SERIAL_HIGH_KEY = "serial.high";
  static final String WATERMARKS = "watermarks";
  static final String TASKS = "tasks";
  static final String CERTS = "certs";
  static final String META = "meta";

  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
  private static final int MAX_BATCH = 4_096;
  /** A journal this large is handed to a checkpoint (bounds replay time and disk use). */
  static final long CHECKPOINT_BYTES = 4L << 20;
  /** Journalled writes are checkpointed at the latest this long after the last checkpoint. */
  static final long CHECKPOINT_NANOS = TimeUnit.SECONDS.toNanos(5);
  /**
   * Free space kept on the disk for the next checkpoint. A journal append of a few bytes can still land in a
   * block the file already has when the disk is full, so without this a full disk would be noticed only by the
   * checkpoint; below it, writes are refused as if the disk were full.
   */
  static final long RESERVE_BYTES = 64 * 1024;
  private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final Path file;
  private final long maxBytes;
  private final long checkpointBytes;
  private final long checkpointNanos;
  private final MVStore store;
  private final MVMap<String, long[]> watermarks;
  private final MVMap<String, byte[]> tasks;
  private final MVMap<Long, String> certs;
  private final MVMap<Long, Long> certExpiry;
  private final MVMap<String, String> meta;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(100_000);
  private final Thread writer;
  /**
   * Completes the writes of a synced batch, so that what callers chained on them (replies, messages to other
   * members) runs beside the next batch's sync instead of in front of it.
   */
  private final ExecutorService acks = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ephyr-state-acks");
    t.setDaemon(true);
    ClusterPriority.raise(t); // what a revoke's acknowledgement waits for, like the writer
    return t;
  });
  /** Runs MVStore commit + sync off the writer, so no queued write ever waits behind one. */
  private final ExecutorService checkpointer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ephyr-state-checkpoint");
    t.setDaemon(true);
    return t;
  });
  /** The journal the writer appends to; only the writer (and open/close around it) touches it. */
  private StateJournal journal;
  private boolean dirtySinceCheckpoint;
  private long lastCheckpointNanos = System.nanoTime();
  private volatile boolean checkpointBusy;
  /** Bytes of switched journals that a checkpoint has not deleted yet. */
  private final AtomicLong olderJournalBytes = new AtomicLong();
  /** The current journal's size, for status pages (which must not list the directory on an event loop). */
  private volatile long currentJournalBytes;
  private final AtomicLong checkpoints = new AtomicLong();
  private final AtomicLong syncs = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private volatile String failure;
  private volatile boolean closing;

  private StateStore(Path dir, long maxBytes, MVStore store, long checkpointBytes, long checkpointNanos) {
    this.dir = dir;
    this.checkpointBytes = checkpointBytes;
    this.checkpointNanos = checkpointNanos;
    this.file = dir.resolve(FILE_NAME);
    this.maxBytes = maxBytes;
    this.store = store;
    this.watermarks = store.openMap(WATERMARKS);
    this.tasks = store.openMap(TASKS);
    this.certs = store.openMap(CERTS);
    this.certExpiry = store.openMap(CERTS + ".expiry");
    this.meta = store.openMap(META);
    this.writer = new Thread(this::writeLoop, "ephyr-state-writer");
    this.writer.setDaemon(true);
    ClusterPriority.raise(writer); // a revoke's acknowledgement waits for this thread's sync
  }

  /**
   * Opens (or creates) the store in {@code dir}, replaying any journals a crash left (a torn last record of the
   * newest one is dropped with one log line) before it returns. Refuses, with one line saying why and leaving
   * every file as it was, when the directory, file or a journal is owned by another user or open to
   * group/others, when the file is unreadable, damaged or not an Ephyr state file, or when a journal is damaged
   * in any other way than a torn tail.
   *
   * @param maxBytes writes are refused once the file grows beyond this
   */
  public static StateStore open(Path dir, long maxBytes) {
    return open(dir, maxBytes, CHECKPOINT_BYTES, CHECKPOINT_NANOS);
  }

  /** {@link #open(Path, long)} with other checkpoint triggers (tests drive checkpoints with them). */
  static StateStore open(Path dir, long maxBytes, long checkpointBytes, long checkpointNanos) {
    Path file = dir.resolve(FILE_NAME);
    checkDirectory(dir);
    boolean existed = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    List<Path> journals = StateJournal.list(dir);
    for (Path j : journals) {
      checkPrivate(j, "state journal", PRIVATE_FILE);
    }
    if (!existed && !journals.isEmpty()) {
      throw new StateStoreException("state directory " + dir + " holds journal files but no state file " + FILE_NAME
          + " (run `ephyr state verify " + dir + "`; the files were left untouched)");
    }
    if (existed) {
      checkPrivate(file, "state file", PRIVATE_FILE);
      StateVerifier.Report report = StateVerifier.verify(dir);
      if (!report.ok()) {
        throw new StateStoreException("state store " + file + " cannot be used: " + report.problems().get(0)
            + " (run `ephyr state verify " + dir + "`; the files were left untouched)");
      }
    }
    // Read every journal before anything is written: a journal that cannot be trusted leaves all files as they were.
    List<StateJournal.Scan> scans = new ArrayList<>();
    for (int i = 0; i < journals.size(); i++) {
      StateJournal.Scan sc = StateJournal.scan(journals.get(i), i == journals.size() - 1, false);
      if (sc.problem() != null) {
        throw new StateStoreException("state journal " + sc.file() + " cannot be used: " + sc.problem()
            + " (run `ephyr state verify " + dir + "`; the files were left untouched)");
      }
      scans.add(sc);
    }
    MVStore mv;
    try {
      mv = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    } catch (RuntimeException e) {
      throw new StateStoreException("state store " + file + " cannot be opened: " + oneLine(e)
          + " (run `ephyr state verify " + dir + "`)");
    }
    try {
      if (!existed) {
        Files.setPosixFilePermissions(file, PRIVATE_FILE);
        MVMap<String, String> m = mv.openMap(META);
        m.put(IDENTITY_KEY, IDENTITY);
        mv.commit();
        mv.sync();
      }
      StateStore s = new StateStore(dir, maxBytes, mv, checkpointBytes, checkpointNanos);
      long next = journals.isEmpty() ? 1 : StateJournal.number(journals.get(journals.size() - 1)) + 1;
      s.replay(scans);
      s.journal = StateJournal.create(dir, next);
      s.currentJournalBytes = s.journal.size();
      s.writer.start();
      return s;
    } catch (IOException | RuntimeException e) {
      mv.closeImmediately();
      throw new StateStoreException("state store " + file + " cannot be initialised: " + oneLine(e));
    }
  }

  /**
   * Applies every record of the journals, commits and syncs the store, and only then deletes the journals (a
   * crash before the deletion replays them again, which changes nothing).
   */
  private void replay(List<StateJournal.Scan> scans) throws IOException {
    if (scans.isEmpty()) {
      return;
    }
    int applied = 0;
    for (StateJournal.Scan sc : scans) {
      if (sc.torn() != null) {
        LOG.warn("state journal {}: dropped {}; a crash cut that write short before it was acknowledged",
            sc.file(), sc.torn());
      }
      for (JournalRecord r : sc.records()) {
        applyRecord(r);
        applied++;
      }
    }
    store.commit();
    store.sync();
    for (StateJournal.Scan sc : scans) {
      Files.deleteIfExists(sc.file());
    }
    StateJournal.syncDirectory(dir);
    LOG.info("state store {}: replayed {} journal records from {} journal(s)", file, applied, scans.size());
  }

  private void applyRecord(JournalRecord r) {
    List<JournalRecord> ignored = new ArrayList<>(1);
    if (r instanceof JournalRecord.Raise w) {
      raiseLocked(w.taskId(), w.floor(), w.expiresAtMillis(), ignored);
    } else if (r instanceof JournalRecord.Task t) {
      mergeLocked(TaskRecordCodec.decode(t.codec()), ignored);
    } else if (r instanceof JournalRecord.Certificate c) {
      certificateLocked(c.serial(), c.keepUntilMillis(), c.json(), ignored);
    } else {
      raiseSerialLocked(((JournalRecord.SerialHigh) r).serial(), ignored);
    }
  }

  static void checkDirectory(Path dir) {
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        Files.setPosixFilePermissions(dir, PRIVATE_DIR); // the umask may have narrowed the request, never widened
        return;
      }
    } catch (IOException e) {
      throw new StateStoreException("state directory " + dir + " cannot be created: " + oneLine(e));
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new StateStoreException("state directory " + dir + " is not a directory (symbolic links are refused)");
    }
    checkPrivate(dir, "state directory", PRIVATE_DIR);
  }

  private static void checkPrivate(Path p, String what, Set<PosixFilePermission> allowed) {
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
          LinkOption.NOFOLLOW_LINKS);
      UserPrincipal owner = view.getOwner();
      UserPrincipal me = p.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
      if (!owner.equals(me)) {
        throw new StateStoreException(what + " " + p + " is owned by " + owner.getName() + ", not by "
            + me.getName() + " who runs this node; fix its ownership (chown)");
      }
      Set<PosixFilePermission> perms = view.readAttributes().permissions();
      for (PosixFilePermission perm : perms) {
        if (!allowed.contains(perm)) {
          throw new StateStoreException(what + " " + p + " has mode " + PosixFilePermissions.toString(perms)
              + ", open to group or others; run chmod " + (allowed == PRIVATE_DIR ? "700 " : "600 ") + p);
        }
      }
    } catch (IOException e) {
      throw new StateStoreException(what + " " + p + " cannot be inspected: " + oneLine(e));
    } catch (UnsupportedOperationException e) {
      throw new StateStoreException(what + " " + p + " is on a file system without POSIX permissions");
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  // -------------------------------------------------------------------------------------------- writes

  /** Keeps the higher of the stored and the given watermark; completes once that is on disk. */
  public CompletableFuture<Void> raiseWatermark(String taskId, long floor, long expiresAtMillis) {
    return submit(out -> raiseLocked(taskId, floor, expiresAtMillis, out));
  }

  private boolean raiseLocked(String taskId, long floor, long expiresAtMillis, List<JournalRecord> out) {
    long[] cur = watermarks.get(taskId);
    if (cur != null && cur[0] >= floor && cur[1] >= expiresAtMillis) {
      return false;
    }
    long f = cur == null ? floor : Math.max(cur[0], floor);
    long e = cur == null ? expiresAtMillis : Math.max(cur[1], expiresAtMillis);
    watermarks.put(taskId, new long[] {f, e});
    out.add(new JournalRecord.Raise(taskId, f, e));
    return true;
  }

  /** Bulk {@link #raiseWatermark} (cold start, reloads): one queued write, one sync if anything changed. */
  public CompletableFuture<Void> raiseAll(Map<String, Watermark> all) {
    if (all.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(out -> {
      boolean changed = false;
      for (Map.Entry<String, Watermark> e : all.entrySet()) {
        changed |= raiseLocked(e.getKey(), e.getValue().floor(), e.getValue().expiresAtMillis(), out);
      }
      return changed;
    });
  }

  /** Bulk {@link #mergeTask} (cold start): one queued write, one sync if anything changed. */
  public CompletableFuture<Void> mergeTasks(java.util.Collection<TaskRecord> records) {
    if (records.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(out -> {
      boolean changed = false;
      for (TaskRecord r : records) {
        changed |= mergeLocked(r, out);
      }
      return changed;
    });
  }

  /** Stores a task record, merged with the stored copy by {@link TaskRecordMerge}; completes once on disk. */
  public CompletableFuture<Void> mergeTask(TaskRecord record) {
    return submit(out -> mergeLocked(record, out));
  }

  private boolean mergeLocked(TaskRecord record, List<JournalRecord> out) {
    byte[] raw = tasks.get(record.taskId());
    TaskRecord cur = raw == null ? null : TaskRecordCodec.decode(raw);
    TaskRecord next = TaskRecordMerge.merge(cur, record);
    if (next == cur) {
      return false;
    }
    byte[] codec = TaskRecordCodec.encode(next);
    tasks.put(record.taskId(), codec);
    out.add(new JournalRecord.Task(codec));
    return true;
  }

  /** Stores an issued certificate's record (kept until {@code keepUntilMillis}) and raises the serial high-water mark. */
  public CompletableFuture<Void> putCertificate(long serial, long keepUntilMillis, String json) {
    return submit(out -> certificateLocked(serial, keepUntilMillis, json, out));
  }

  private boolean certificateLocked(long serial, long keepUntilMillis, String json, List<JournalRecord> out) {
    boolean changed = false;
    if (!certs.containsKey(serial)) {
      certs.put(serial, json);
      certExpiry.put(serial, keepUntilMillis);
      out.add(new JournalRecord.Certificate(serial, keepUntilMillis, json));
      changed = true;
    }
    // the certificate record raises the serial high-water mark on replay too; no second record needed
    return raiseSerialLocked(serial, changed ? new ArrayList<>(1) : out) || changed;
  }

  /** Raises the serial high-water mark; completes once on disk. */
  public CompletableFuture<Void> raiseSerialHigh(long serial) {
    return submit(out -> raiseSerialLocked(serial, out));
  }

  private boolean raiseSerialLocked(long serial, List<JournalRecord> out) {
    String cur = meta.get(SERIAL_HIGH_KEY);
    if (cur != null && Long.parseLong(cur) >= serial) {
      return false;
    }
    meta.put(SERIAL_HIGH_KEY, Long.toString(serial));
    out.add(new JournalRecord.SerialHigh(serial));
    return true;
  }

  /**
   * Forgets watermarks and task records whose task expired before the given cutoffs, and certificates past
   * their keep-until time; runs on the writer thread, never on a caller's.
   */
  public CompletableFuture<Integer> compact(long watermarkCutoffMillis, long taskCutoffMillis, long nowMillis) {
    CompletableFuture<Integer> out = new CompletableFuture<>();
    int[] removed = {0};
    CompletableFuture<Void> done = enqueue(new Pending(journalled -> {
      // Removals are not journalled: they take effect at the next checkpoint, and a replay that brings an
      // expired entry back only delays its removal to the next compaction.
      List<String> w = new ArrayList<>();
      for (Map.Entry<String, long[]> e : watermarks.entrySet()) {
        if (e.getValue()[1] < watermarkCutoffMillis) {
          w.add(e.getKey());
        }
      }
      w.forEach(watermarks::remove);
      List<String> t = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : tasks.entrySet()) {
        if (TaskRecordCodec.decode(e.getValue()).expiresAt().toEpochMilli() < taskCutoffMillis) {
          t.add(e.getKey());
        }
      }
      t.forEach(tasks::remove);
      List<Long> c = new ArrayList<>();
      for (Map.Entry<Long, Long> e : certExpiry.entrySet()) {
        if (e.getValue() < nowMillis) {
          c.add(e.getKey());
        }
      }
      c.forEach(k -> {
        certs.remove(k);
        certExpiry.remove(k);
      });
      removed[0] = w.size() + t.size() + c.size();
      return removed[0] > 0;
    }, true));
    done.whenComplete((v, e) -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(removed[0]);
      }
    });
    return out;
  }

  /**
   * Writes a copy of the store to {@code target} (a new file, mode 0600), taken on the writer thread between two
   * batches of writes: it holds every write acknowledged before this call (a write is acknowledged only after
   * the writer applied it to the maps and synced its journal, and the writer takes its work in order; the copy
   * is made from the maps, so journalled writes not yet checkpointed are in it), and never half of a batch. The
   * copy is a fresh store with the same maps, written and synced before the future completes.
   */
  public CompletableFuture<Backup> backupTo(Path target) {
    CompletableFuture<Backup> out = new CompletableFuture<>();
    Backup[] made = new Backup[1];
    CompletableFuture<Void> done = enqueue(new Pending(journalled -> {
      made[0] = copyLocked(target);
      return false; // nothing of this store changed: no commit, no sync
    }, true));
    done.whenComplete((v, e) -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(made[0]);
      }
    });
    return out;
  }

  private Backup copyLocked(Path target) {
    if (failure != null) {
      throw new StateStoreException("cannot back up: " + failure);
    }
    try {
      Files.createFile(target, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    } catch (IOException e) {
      throw new StateStoreException("cannot create the backup file " + target + ": " + oneLine(e));
    }
    MVStore copy = new MVStore.Builder().fileName(target.toString()).autoCommitDisabled().open();
    try {
      MVMap<String, long[]> w = copy.openMap(WATERMARKS);
      w.putAll(watermarks);
      MVMap<String, byte[]> t = copy.openMap(TASKS);
      t.putAll(tasks);
      MVMap<Long, String> c = copy.openMap(CERTS);
      c.putAll(certs);
      MVMap<Long, Long> ce = copy.openMap(CERTS + ".expiry");
      ce.putAll(certExpiry);
      MVMap<String, String> m = copy.openMap(META);
      m.putAll(meta);
      copy.commit();
      copy.sync();
      Backup b = new Backup(w.size(), t.size(), c.size(), serialHigh());
      copy.close();
      return b;
    } catch (RuntimeException e) {
      copy.closeImmediately();
      throw new StateStoreException("cannot write the backup file " + target + ": " + oneLine(e));
    }
  }

  /**
   * What a backup holds.
   *
   * @param watermarks watermarks copied
   * @param tasks task records copied
   * @param certificates certificate records copied
   * @param serialHigh the serial high-water mark copied
   */
  public record Backup(int watermarks, int tasks, int certificates, long serialHigh) {}

  private CompletableFuture<Void> submit(Mutation m) {
    return enqueue(new Pending(m, false));
  }

  private CompletableFuture<Void> enqueue(Pending p) {
    String f = failure;
    if (f != null && !p.maintenance) {
      return CompletableFuture.failedFuture(new StateStoreException(f));
    }
    if (closing) {
      return CompletableFuture.failedFuture(new StateStoreException("state store " + file + " is closed"));
    }
    if (!queue.offer(p)) {
      return CompletableFuture.failedFuture(new StateStoreException("state store " + file
          + " has too many writes waiting; refusing more until it catches up"));
    }
    return p.done;
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      try {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing) {
            return;
          }
          maybeCheckpoint();
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        runBatch(batch);
        maybeCheckpoint();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failAll(batch, "state store " + file + " writer interrupted");
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private long journalBytes() {
    return currentJournalBytes + olderJournalBytes.get();
  }

  private void runBatch(List<Pending> batch) {
    if (failure == null && batch.stream().anyMatch(p -> !p.maintenance)) {
      long free = dir.toFile().getUsableSpace(); // one statfs
      if (free < RESERVE_BYTES) {
        fail(new IOException("No space left on device: " + free + " bytes free in " + dir + ", below the "
            + RESERVE_BYTES + " a checkpoint needs"));
      }
    }
    boolean dirty = false;
    List<Pending> accepted = new ArrayList<>(batch.size());
    List<JournalRecord> records = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (Pending p : batch) {
      String f = failure;
      if (f != null && !p.maintenance) {
        p.done.completeExceptionally(new StateStoreException(f));
        continue;
      }
      long used = store.getFileStore().size() + journalBytes();
      if (!p.maintenance && used > maxBytes) {
        p.done.completeExceptionally(new StateStoreException("state store " + file + " is full: "
            + used + " bytes (store and journals), limit " + maxBytes + "; writes refused"));
        continue;
      }
      int mark = records.size();
      try {
        boolean changed = p.mutation.apply(records);
        for (JournalRecord r : records.subList(mark, records.size())) {
          bodies.add(JournalRecord.encode(r)); // here, so a record that cannot be encoded fails only its write
        }
        dirty |= changed;
        accepted.add(p);
      } catch (RuntimeException e) {
        records.subList(mark, records.size()).clear();
        bodies.subList(Math.min(mark, bodies.size()), bodies.size()).clear();
        p.done.completeExceptionally(new StateStoreException("state store " + file + ": " + oneLine(e)));
      }
    }
    if (accepted.isEmpty()) {
      return;
    }
    if (!bodies.isEmpty()) {
      try {
        journal.append(bodies);
        currentJournalBytes = journal.size();
        syncs.incrementAndGet();
      } catch (IOException | RuntimeException e) {
        failAll(accepted, fail(e));
        return;
      }
    }
    dirtySinceCheckpoint |= dirty;
    writes.addAndGet(accepted.size());
    try {
      acks.execute(() -> accepted.forEach(p -> p.done.complete(null)));
    } catch (RejectedExecutionException e) {
      accepted.forEach(p -> p.done.complete(null)); // closing: complete here
    }
  }

  /** Enters the failed state (once, loudly) and returns the line every refused write carries. */
  private String fail(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = "state store " + file + " cannot write (" + oneLine(root) + "); writes refused until restart";
    synchronized (this) {
      if (failure == null) {
        failure = why;
        LOG.error("{}", why);
      }
      return failure;
    }
  }

  /**
   * On the writer, between batches: when the journal is large or writes waited long enough, switches to a new
   * journal and hands the old ones to a checkpoint. At most one checkpoint runs; while it does, the writer keeps
   * appending to the current journal.
   */
  private void maybeCheckpoint() {
    if (checkpointBusy || failure != null || closing) {
      return;
    }
    boolean due = journal.size() >= checkpointBytes
        || (dirtySinceCheckpoint && System.nanoTime() - lastCheckpointNanos >= checkpointNanos);
    if (!due) {
      return;
    }
    StateJournal old = journal;
    try {
      journal = StateJournal.create(dir, old.number + 1);
    } catch (IOException | RuntimeException e) {
      fail(e);
      return;
    }
    olderJournalBytes.addAndGet(old.size());
    currentJournalBytes = journal.size();
    try {
      old.close();
    } catch (IOException e) {
      LOG.warn("state journal {}: close failed: {}", old.path, oneLine(e)); // every batch in it was synced already
    }
    dirtySinceCheckpoint = false;
    lastCheckpointNanos = System.nanoTime();
    checkpointBusy = true;
    try {
      checkpointer.execute(() -> checkpoint(old.number));
    } catch (RejectedExecutionException e) {
      checkpointBusy = false; // closing: close() checkpoints everything
    }
  }

  /**
   * Commits and syncs MVStore (everything the writer applied before it switched journals is in the maps, so
   * in this commit), then deletes the journals up to {@code upTo}. A crash anywhere here leaves the journals,
   * and replaying them over the committed store changes nothing.
   */
  private void checkpoint(long upTo) {
    try {
      store.commit();
      store.sync();
      deleteJournals(upTo);
      checkpoints.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      fail(e);
    } finally {
      checkpointBusy = false;
    }
  }

  private void deleteJournals(long upTo) throws IOException {
    for (Path j : StateJournal.list(dir)) {
      if (StateJournal.number(j) <= upTo) {
        long size = Files.size(j);
        Files.delete(j);
        olderJournalBytes.addAndGet(-size);
      }
    }
    StateJournal.syncDirectory(dir);
  }

  private static void failAll(List<Pending> batch, String why) {
    for (Pending p : batch) {
      p.done.completeExceptionally(new StateStoreException(why));
    }
  }

  // --------------------------------------------------------------------------------------------- reads

  /** Every stored watermark (task id → {floor, expiresAtMillis}); for cold start. */
  Map<String, Watermark> watermarks() {
    Map<String, Watermark> out = new HashMap<>();
    for (Map.Entry<String, long[]> e : watermarks.entrySet()) {
      out.put(e.getKey(), new Watermark(e.getValue()[0], e.getValue()[1]));
    }
    return out;
  }

  /** Every stored task record; for cold start. */
  List<TaskRecord> tasks() {
    List<TaskRecord> out = new ArrayList<>(tasks.size());
    for (byte[] raw : tasks.values()) {
      out.add(TaskRecordCodec.decode(raw));
    }
    return out;
  }

  /** Every stored certificate record (serial → JSON); for cold start. */
  Map<Long, String> certificates() {
    return new HashMap<>(certs);
  }

  long certificateKeepUntil(long serial) {
    Long v = certExpiry.get(serial);
    return v == null ? 0 : v;
  }

  /** The highest certificate serial ever stored, or 0. */
  public long serialHigh() {
    String v = meta.get(SERIAL_HIGH_KEY);
    return v == null ? 0 : Long.parseLong(v);
  }

  /** Size and health, for status pages. */
  public Stats stats() {
    long bytes;
    try {
      bytes = Files.size(file) + journalBytes();
    } catch (IOException e) {
      bytes = -1;
    }
    int w = -1;
    int t = -1;
    int c = -1;
    try {
      w = watermarks.size();
      t = tasks.size();
      c = certs.size();
    } catch (RuntimeException e) {
      // after a write failure the engine closes itself; the counts are then unknown (-1), the failure is reported
    }
    return new Stats(dir.toString(), bytes, maxBytes, w, t, c, syncs.get(), writes.get(), failure);
  }

  /** Checkpoints finished so far (MVStore commits that let journals go). */
  long checkpoints() {
    return checkpoints.get();
  }

  /** Whether writes are currently accepted. */
  public boolean writable() {
    return refusal() == null;
  }

  /** Why writes are refused right now (one line for the operator), or null while they are accepted. */
  public String refusal() {
    String f = failure;
    if (f == null && closing) {
      return "the state store in " + dir + " is closing";
    }
    return f;
  }

  /** Finishes queued writes, checkpoints them into the store file and deletes the journals, then closes. */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(10_000);
      acks.shutdown();
      acks.awaitTermination(10, TimeUnit.SECONDS);
      checkpointer.shutdown();
      checkpointer.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StateJournal j = journal;
    try {
      if (j != null) {
        j.close();
      }
    } catch (IOException e) {
      LOG.warn("state journal {}: close failed: {}", j.path, oneLine(e));
    }
    try {
      if (failure == null && !writer.isAlive()) {
        store.commit();
        store.sync();
        deleteJournals(Long.MAX_VALUE); // after the sync: a crash before this replays them, harmlessly
        store.close();
      } else {
        store.closeImmediately(); // the journals stay and are replayed on the next open
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("state store {}: close failed: {}", file, oneLine(e));
      try {
        store.closeImmediately();
      } catch (RuntimeException ignored) {
        // already closed by the failure; the journals stay for the next open
      }
    }
  }

  /**
   * Size and health of the store.
   *
   * @param dir the state directory
   * @param bytes the store file's size plus its journals', -1 if unknown
   * @param maxBytes the configured limit
   * @param watermarks stored watermarks (-1 when unknown after a write failure)
   * @param tasks stored task records
   * @param certificates stored certificate records
   * @param syncs group commits so far
   * @param writes writes made durable so far
   * @param failure why writes are refused, or null
   */
  public record Stats(String dir, long bytes, long maxBytes, int watermarks, int tasks, int certificates, long syncs,
      long writes, String failure) {}

  @FunctionalInterface
  private interface Mutation {
    /**
     * Applies the change to the maps and adds to {@code journal} the records that reproduce it; true if
     * anything changed (and a checkpoint is needed).
     */
    boolean apply(List<JournalRecord> journal);
  }

  private static final class Pending {
    final Mutation mutation;
    final boolean maintenance;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Pending(Mutation mutation, boolean maintenance) {
      this.mutation = mutation;
      this.maintenance = maintenance;
    }
  }
}
