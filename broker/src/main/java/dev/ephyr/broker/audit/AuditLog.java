package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's chained audit files (blocking; used only by the audit verticle's worker thread). Appends signed
 * lines, rotates by size with an {@code audit.rotate} record that the next file's first record chains to,
 * resumes the chain at startup from the tail of the last file (cutting off a half-written last line and
 * recording that), and keeps {@link AuditFiles#HEAD} pointing at the last record written.
 */
final class AuditLog implements AutoCloseable {
  private final Path dir;
  private final AuditKeys keys;
  private final long maxFileBytes;
  private final Clock clock;
  private final String node;
  private final boolean sync;
  private final HeadCheck headCheck;
  private FileChannel channel;
  private Path file;
  private long index;
  private long size;
  private long seq;
  private String lastMac = AuditLine.GENESIS;
  private final List<JsonObject> written = new ArrayList<>();
  private List<JsonObject> startRecords = List.of();

  private AuditLog(Path dir, AuditKeys keys, long maxFileBytes, Clock clock, String node, boolean sync,
      HeadCheck headCheck) {
    this.headCheck = headCheck;
    this.dir = dir;
    this.keys = keys;
    this.maxFileBytes = maxFileBytes;
    this.clock = clock;
    this.node = node;
    this.sync = sync;
  }

  /** Opens like {@link #open(Path, AuditKeys, long, Clock, String, boolean, HeadCheck)}, refusing a bad head. */
  static AuditLog open(Path dir, AuditKeys keys, long maxFileBytes, Clock clock, String node, boolean sync)
      throws IOException {
    return open(dir, keys, maxFileBytes, clock, node, sync, HeadCheck.REFUSE);
  }

  /**
   * Opens (creating the directory, mode 0700) and resumes the chain; writes an {@code audit.start} record.
   * A trail whose head does not vouch for its end (records without a head, a forged head, a head naming more
   * records than the files hold) is refused with {@link HeadCheck#REFUSE}, files untouched, because writing
   * on would replace the head and erase the evidence; {@link HeadCheck#ACCEPT_AND_RECORD} starts and records it.
   */
  static AuditLog open(Path dir, AuditKeys keys, long maxFileBytes, Clock clock, String node, boolean sync,
      HeadCheck headCheck) throws IOException {
    AuditLog log = new AuditLog(dir, keys, maxFileBytes, clock, node, sync, headCheck);
    log.resume();
    return log;
  }

  private void resume() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      try {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not POSIX; the directory keeps the platform's default permissions
      }
    }
    List<Path> files = AuditFiles.list(dir);
    AuditHead.Read head = AuditHead.read(dir.resolve(AuditFiles.HEAD), keys);
    String startDetail;
    List<JsonObject> recovered = new ArrayList<>();
    if (files.isEmpty()) {
      index = 1;
      startDetail = "new chain";
      if (!(head instanceof AuditHead.Read.Missing)) {
        recovered.add(refuseOrAccept("files_missing", head instanceof AuditHead.Read.Valid v
            ? "the head records seq " + v.seq() + " in " + v.file() + " but the directory holds no audit files"
            : "a head file is present but the directory holds no audit files"));
      }
    } else {
      Path last = files.get(files.size() - 1);
      index = AuditFiles.index(last);
      Tail tail = readTail(last);
      AuditLine.Parsed.Record resumeFrom = tail.record;
      String resumeFile = last.getFileName().toString();
      if (resumeFrom == null && tail.keepBytes == 0 && files.size() > 1) {
        // The node stopped right after a rotation: the chain goes on from the previous file's last record.
        Path previous = files.get(files.size() - 2);
        Tail before = readTail(previous);
        if (before.cutBytes == 0) {
          resumeFrom = before.record;
          resumeFile = previous.getFileName().toString();
        }
      }
      if (resumeFrom != null) {
        JsonObject problem = checkHead(head, resumeFrom);
        if (problem != null) {
          recovered.add(problem);
        }
      }
      if (tail.cutBytes > 0) {
        try (FileChannel c = FileChannel.open(last, StandardOpenOption.WRITE)) {
          c.truncate(tail.keepBytes);
          c.force(true);
        }
        recovered.add(own("audit.recovered").put("decision", "error").put("reason", "incomplete_record")
            .put("detail", "cut " + tail.cutBytes + " bytes of an incomplete last record from " + last.getFileName()
                + " (the node stopped while writing it)"));
      }
      if (resumeFrom != null) {
        seq = resumeFrom.seq();
        lastMac = resumeFrom.mac();
        startDetail = "resumed after seq " + seq + " of " + resumeFile;
      } else if (tail.keepBytes == 0) {
        startDetail = "new chain (" + last.getFileName() + " was empty)";
      } else {
        // The tail is unreadable (edited or foreign): continue in a fresh file; verify shows the break.
        index++;
        startDetail = "the last record of " + last.getFileName() + " is unreadable; the chain restarts here";
        recovered.add(own("audit.recovered").put("decision", "error").put("reason", "unreadable_tail")
            .put("detail", startDetail));
      }
    }
    openFile();
    if (seq == 0) {
      // A new chain gets its head (seq 0) before its first record: a crash before the first head update then
      // leaves a stale head, which the next start records, not a missing one, which it refuses.
      writeHead();
    }
    List<JsonObject> first = new ArrayList<>(recovered);
    first.add(own("audit.start").put("detail", startDetail));
    startRecords = append(first);
  }

  /**
   * The record to write about the head found at startup against the last record of the files, or null when
   * they agree; throws when the head does not vouch for the files and the operator has not accepted that.
   */
  private JsonObject checkHead(AuditHead.Read head, AuditLine.Parsed.Record last) throws IOException {
    if (head instanceof AuditHead.Read.Missing) {
      return refuseOrAccept("head_missing", "the head file " + AuditFiles.HEAD + " is missing but the files hold"
          + " records up to seq " + last.seq() + " (records cut from the end could not be detected)");
    }
    if (head instanceof AuditHead.Read.Invalid i) {
      return refuseOrAccept("head_invalid", AuditFiles.HEAD + ": " + i.problem());
    }
    AuditHead.Read.Valid h = (AuditHead.Read.Valid) head;
    if (h.seq() > last.seq()) {
      return refuseOrAccept("head_ahead", "the head records seq " + h.seq() + " but the files end at seq "
          + last.seq() + " (" + (h.seq() - last.seq()) + " record(s) cut from the end)");
    }
    if (h.seq() == last.seq() && !h.lastMac().equals(last.mac())) {
      return refuseOrAccept("head_mismatch", "the last record (seq " + last.seq() + ") is not the one the head"
          + " records");
    }
    if (h.seq() < last.seq()) {
      // Normal after a crash between a write and its head update; also what an older head put back looks
      // like. Either way it goes on record, and the head written next covers the files again.
      return own("audit.recovered").put("decision", "error").put("reason", "stale_head").put("detail",
          "the head recorded seq " + h.seq() + "; seq " + (h.seq() + 1) + ".." + last.seq()
              + " were written after the head (the node stopped before updating it, or an older head was put back)");
    }
    return null;
  }

  private JsonObject refuseOrAccept(String reason, String problem) throws IOException {
    if (headCheck != HeadCheck.ACCEPT_AND_RECORD) {
      throw new IOException("audit trail " + dir + ": " + problem + "; starting would replace the head and hide"
          + " this. Check the files with 'ephyr audit verify', then, to start anyway, run 'ephyr node"
          + " --accept-missing-audit-head' once (or set audit.accept-missing-head: true), which records the"
          + " acceptance in the trail");
    }
    return own("audit.head-accepted").put("decision", "error").put("reason", reason)
        .put("detail", problem + "; started anyway: accepted by the operator (audit.accept-missing-head)");
  }

  private record Tail(AuditLine.Parsed.Record record, long keepBytes, long cutBytes) {}

  /** Reads the last complete line of {@code file}; a trailing partial line is marked to be cut. */
  private static Tail readTail(Path file) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = c.size();
      int window = (int) Math.min(size, 2L * AuditLine.MAX_LINE);
      ByteBuffer buf = ByteBuffer.allocate(window);
      long from = size - window;
      while (buf.hasRemaining()) {
        if (c.read(buf, from + buf.position()) < 0) {
          break;
        }
      }
      byte[] b = buf.array();
      int end = window;
      int lastNl = -1;
      for (int i = end - 1; i >= 0; i--) {
        if (b[i] == '\n') {
          lastNl = i;
          break;
        }
      }
      long keep = lastNl < 0 ? (from == 0 ? 0 : size) : from + lastNl + 1;
      long cut = size - keep;
      if (lastNl < 0) {
        return new Tail(null, keep, cut);
      }
      int start = lastNl - 1;
      while (start >= 0 && b[start] != '\n') {
        start--;
      }
      if (start < 0 && from > 0) {
        return new Tail(null, keep, cut); // the last line is longer than the window: unreadable
      }
      String line = new String(b, start + 1, lastNl - start - 1, StandardCharsets.UTF_8);
      AuditLine.Parsed p = AuditLine.parse(line);
      return new Tail(p instanceof AuditLine.Parsed.Record r ? r : null, keep, cut);
    }
  }

  private JsonObject own(String event) {
    return AuditEvent.builder(clock.instant(), node, event).build().toJson();
  }

  private void openFile() throws IOException {
    file = dir.resolve(AuditFiles.name(index));
    boolean fresh = !Files.exists(file);
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (fresh) {
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not POSIX
      }
    }
    size = channel.size();
  }

  /**
   * Appends {@code events} in order and returns the records as written (with seq, kid, prev, mac). A batch
   * never spans files: rotation happens before it, as its own step. On failure nothing of the batch counts:
   * the file is cut back and the chain state restored, so a retry writes the same positions again.
   */
  List<JsonObject> append(List<JsonObject> events) throws IOException {
    if (channel == null) {
      openFile(); // a rotation opened no file last time (disk full?): try again
    } else if (size >= maxFileBytes) {
      rotate();
    }
    return appendHere(events);
  }

  private List<JsonObject> appendHere(List<JsonObject> events) throws IOException {
    long seq0 = seq;
    String mac0 = lastMac;
    long size0 = size;
    written.clear();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (JsonObject e : events) {
        line(e, out);
      }
      write(out);
      if (sync) {
        channel.force(false);
      }
      writeHead();
      return List.copyOf(written);
    } catch (IOException | RuntimeException ex) {
      seq = seq0;
      lastMac = mac0;
      written.clear();
      try {
        channel.truncate(size0);
        size = size0;
      } catch (IOException | RuntimeException ignored) {
        // the disk is failing; the next start resumes from whatever complete line is last
      }
      // Reopen on the next attempt: a remounted or replaced file system gets a fresh channel.
      try {
        channel.close();
      } catch (IOException ignored) {
        // already failing
      }
      channel = null;
      throw ex;
    }
  }

  private void rotate() throws IOException {
    List<JsonObject> last = appendHere(List.of(own("audit.rotate").put("detail", "continues in "
        + AuditFiles.name(index + 1))));
    if (last.isEmpty()) {
      throw new IOException("rotation record not written");
    }
    channel.close();
    channel = null;
    index++;
    openFile();
  }

  private void line(JsonObject event, ByteArrayOutputStream out) {
    seq++;
    AuditLine.Signed signed = AuditLine.sign(event, seq, lastMac, keys);
    lastMac = signed.mac();
    out.writeBytes((signed.line() + "\n").getBytes(StandardCharsets.UTF_8));
    written.add(signed.json());
  }

  private void write(ByteArrayOutputStream out) throws IOException {
    if (out.size() == 0) {
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
    while (b.hasRemaining()) {
      channel.write(b);
    }
    size += out.size();
    out.reset();
  }

  private void writeHead() throws IOException {
    String text = AuditHead.sign(file.getFileName().toString(), seq, lastMac, keys).encode() + "\n";
    Path tmp = dir.resolve(AuditFiles.HEAD + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not POSIX
    }
    try {
      Files.move(tmp, dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(AuditFiles.HEAD), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * The trail as it stands between two writes (call only on the writer's thread): every file with the length
   * that holds whole records, and the head's bytes, which vouch for the last of them. Files before the current
   * one are never written again and the current one only grows, so copying these lengths later, from another
   * thread, copies exactly this state.
   */
  Snapshot snapshot() throws IOException {
    List<Snapshot.Part> parts = new ArrayList<>();
    for (Path p : AuditFiles.list(dir)) {
      long bytes = p.equals(file) ? size : Files.size(p);
      parts.add(new Snapshot.Part(p, bytes));
    }
    byte[] head = Files.readAllBytes(dir.resolve(AuditFiles.HEAD));
    return new Snapshot(parts, head, seq);
  }

  /** The files of a trail, each with the length to copy, its head and the seq of its last record. */
  record Snapshot(List<Part> files, byte[] head, long seq) {
    record Part(Path file, long bytes) {}
  }

  /** The records written while opening ({@code audit.recovered}, {@code audit.start}), for live publication. */
  List<JsonObject> startRecords() {
    return startRecords;
  }

  long seq() {
    return seq;
  }

  Path file() {
    return file;
  }

  /** Writes {@code audit.stop} and closes; the stop record tells verify the file ends on purpose. */
  @Override
  public void close() throws IOException {
    try {
      append(List.of(own("audit.stop").put("detail", "node stopping")));
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }
}
