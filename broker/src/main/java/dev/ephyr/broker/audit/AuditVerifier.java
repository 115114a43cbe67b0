package dev.ephyr.broker.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Checks a node's audit files in order: every line a record with a valid MAC, {@code seq} consecutive and
 * {@code prev} equal to the previous record's MAC, across files; and the end against the MAC'd head file,
 * so records cut from the end, or appended after it, show too: a missing or stale head is a failure unless
 * the caller checks the chain alone. Stops at the first problem and names its file and line.
 */
public final class AuditVerifier {
  /** How long a stale-looking head may take to move, when a running node is writing (one fsync, under load). */
  static final Duration WRITER_GRACE = Duration.ofSeconds(2);

  private final AuditKeys keys;
  private final Duration writerGrace;

  /** A verifier with {@code keys} (every kid of the keyring the files were written under). */
  public AuditVerifier(AuditKeys keys) {
    this(keys, WRITER_GRACE);
  }

  AuditVerifier(AuditKeys keys, Duration writerGrace) {
    this.keys = keys;
    this.writerGrace = writerGrace;
  }

  /**
   * What verification found.
   *
   * @param ok whether the chain is intact
   * @param problem the first problem as {@code file:line: what}, or null
   * @param records records checked
   * @param firstSeq seq of the first record checked (0 if none)
   * @param lastSeq seq of the last good record (0 if none)
   * @param notes things that are not failures but limit what was proved (a suffix of the chain, no head)
   */
  public record Report(boolean ok, String problem, long records, long firstSeq, long lastSeq, List<String> notes) {
    public Report {
      notes = List.copyOf(notes);
    }
  }

  /**
   * Verifies {@code files} (in chain order); {@code head} is the head file to check the end against, or null
   * to check the chain alone (then records cut from the end cannot show, and the report notes it).
   */
  public Report verify(List<Path> files, Path head) throws IOException {
    List<String> notes = new ArrayList<>();
    // Read before the files: a running node only ever adds records after the head it last wrote, so the
    // files read next hold at least what this head names.
    AuditHead.Read before = head == null ? null : AuditHead.read(head, keys);
    long headSeq = before instanceof AuditHead.Read.Valid v ? v.seq() : -1;
    String macAtHead = null;
    long records = 0;
    long firstSeq = 0;
    long lastSeq = 0;
    String lastMac = null;
    String lastWhere = null;
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        BoundedLines lines = new BoundedLines(in);
        long lineNo = 0;
        while (true) {
          BoundedLines.Line l = lines.next();
          if (l == null) {
            break;
          }
          lineNo++;
          String where = file + ":" + lineNo + ": ";
          if (l.tooLong()) {
            return fail(where + "line longer than " + AuditLine.MAX_LINE + " bytes", records, firstSeq, lastSeq, notes);
          }
          if (!l.terminated()) {
            return fail(where + "incomplete last record (no newline): the file was truncated in the middle of a record",
                records, firstSeq, lastSeq, notes);
          }
          AuditLine.Parsed p = AuditLine.parse(l.text());
          if (p instanceof AuditLine.Parsed.Broken b) {
            return fail(where + "not a chained audit record: " + b.problem(), records, firstSeq, lastSeq, notes);
          }
          AuditLine.Parsed.Record r = (AuditLine.Parsed.Record) p;
          if (!keys.knows(r.kid())) {
            return fail(where + "signed with key id '" + r.kid() + "', which this keyring does not hold", records,
                firstSeq, lastSeq, notes);
          }
          if (!keys.check(r.kid(), r.body(), r.mac())) {
            return fail(where + "MAC mismatch: record seq " + r.seq() + " was altered (or not written with this keyring)",
                records, firstSeq, lastSeq, notes);
          }
          if (lastMac == null) {
            firstSeq = r.seq();
            if (r.seq() != 1 || !AuditLine.GENESIS.equals(r.prev())) {
              notes.add("the first file starts at seq " + r.seq() + ": records before it were not checked");
            }
          } else {
            if (r.seq() != lastSeq + 1) {
              String what = r.seq() > lastSeq + 1 ? (r.seq() - lastSeq - 1) + " record(s) missing before it"
                  : "out of order";
              return fail(where + "seq " + r.seq() + " follows seq " + lastSeq + " (" + what + ")", records, firstSeq,
                  lastSeq, notes);
            }
            if (!r.prev().equals(lastMac)) {
              return fail(where + "seq " + r.seq() + " does not chain to the record before it (prev mismatch: a record"
                  + " was removed, replaced or reordered" + (lineNo == 1 ? ", or a file is missing" : "") + ")",
                  records, firstSeq, lastSeq, notes);
            }
          }
          records++;
          lastSeq = r.seq();
          lastMac = r.mac();
          lastWhere = file + ":" + lineNo;
          if (r.seq() == headSeq) {
            macAtHead = r.mac();
          }
        }
      }
    }
    if (records == 0) {
      return fail("no records in " + files, 0, 0, 0, notes);
    }
    if (head == null) {
      notes.add("no head checked (--no-head): records cut from the end would not show");
      return new Report(true, null, records, firstSeq, lastSeq, notes);
    }
    String end = checkHead(head, before, lastWhere, firstSeq, lastSeq, lastMac, macAtHead, notes);
    if (end != null) {
      return fail(end, records, firstSeq, lastSeq, notes);
    }
    return new Report(true, null, records, firstSeq, lastSeq, notes);
  }

  /** The problem at the end of the chain ({@code lastWhere} is the last record's FILE:LINE), or null. */
  private String checkHead(Path head, AuditHead.Read read, String lastWhere, long firstSeq, long lastSeq,
      String lastMac, String macAtHead, List<String> notes) throws IOException {
    if (read instanceof AuditHead.Read.Missing) {
      return head + ": head file missing: records cut from the end cannot be ruled out (if this copy has no head"
          + " on purpose, give --no-head to check the chain alone)";
    }
    if (read instanceof AuditHead.Read.Invalid i) {
      return head + ": " + i.problem();
    }
    AuditHead.Read.Valid h = (AuditHead.Read.Valid) read;
    if (h.seq() > lastSeq) {
      return lastWhere + ": truncated: the chain ends at seq " + lastSeq + " but the head records seq " + h.seq()
          + " in " + h.file() + " (" + (h.seq() - lastSeq) + " record(s) missing at the end)";
    }
    if (h.seq() == lastSeq) {
      return h.lastMac().equals(lastMac) ? null
          : lastWhere + ": the last record (seq " + lastSeq + ") is not the one the head records";
    }
    if (h.seq() >= firstSeq && !h.lastMac().equals(macAtHead)) {
      return head + ": the head does not match the record seq " + h.seq() + " of these files (a head of another trail)";
    }
    // The files go on past the head. A running node writes a batch, then its head (after an fsync): if the
    // head moves on within a short, bounded wait, the records after the old head are that node's latest writes.
    long deadline = System.nanoTime() + writerGrace.toNanos();
    while (true) {
      AuditHead.Read after = AuditHead.read(head, keys);
      if (after instanceof AuditHead.Read.Valid now && !now.text().equals(h.text()) && now.seq() >= lastSeq) {
        notes.add("the node wrote while this ran: records after seq " + h.seq() + " are checked by the chain only");
        return null;
      }
      if (System.nanoTime() >= deadline) {
        break;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll interval of the bounded wait above
    }
    return lastWhere + ": stale head: the head records seq " + h.seq() + " but the files go on to seq " + lastSeq
        + " (" + (lastSeq - h.seq()) + " record(s) after it: appended without updating the head, or the head was"
        + " replaced by an older copy; a node killed between a write and its head update shows this until it"
        + " restarts)";
  }

  private static Report fail(String problem, long records, long first, long last, List<String> notes) {
    return new Report(false, problem, records, first, last, notes);
  }
}
