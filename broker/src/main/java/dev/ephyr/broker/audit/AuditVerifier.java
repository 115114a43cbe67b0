package dev.ephyr.broker.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a node's audit files in order: every line a record with a valid MAC, {@code seq} consecutive and
 * {@code prev} equal to the previous record's MAC, across files; and the end against the MAC'd head file,
 * so records cut from the end show too. Stops at the first problem and names its file and line.
 */
public final class AuditVerifier {
  private final AuditKeys keys;

  /** A verifier with {@code keys} (every kid of the keyring the files were written under). */
  public AuditVerifier(AuditKeys keys) {
    this.keys = keys;
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

  /** Verifies {@code files} (in chain order); {@code head} is the head file to check the end against, or null. */
  public Report verify(List<Path> files, Path head) throws IOException {
    List<String> notes = new ArrayList<>();
    long records = 0;
    long firstSeq = 0;
    long lastSeq = 0;
    String lastMac = null;
    String lastFile = null;
    String lastEvent = null;
    for (Path file : files) {
      String name = file.getFileName().toString();
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
          lastFile = name;
          lastEvent = r.json().getString("event");
        }
      }
    }
    if (records == 0) {
      return fail("no records in " + files, 0, 0, 0, notes);
    }
    String end = checkHead(head, lastFile, lastSeq, lastMac, notes, "audit.stop".equals(lastEvent));
    if (end != null) {
      return fail(end, records, firstSeq, lastSeq, notes);
    }
    return new Report(true, null, records, firstSeq, lastSeq, notes);
  }

  private String checkHead(Path head, String lastFile, long lastSeq, String lastMac, List<String> notes,
      boolean stopped) throws IOException {
    if (head == null || !Files.exists(head)) {
      notes.add("no head file" + (head == null ? "" : " at " + head) + ": records cut from the end would not show"
          + (stopped ? " (the chain ends with audit.stop)" : ""));
      return null;
    }
    JsonObject h;
    try {
      byte[] b = Files.readAllBytes(head);
      if (b.length > 4096) {
        return head + ": head file too large";
      }
      h = new JsonObject(new String(b, StandardCharsets.UTF_8).trim());
    } catch (DecodeException | ClassCastException e) {
      return head + ": head file is not JSON";
    }
    if (!AuditHead.check(h, keys)) {
      return head + ": head file MAC mismatch (altered, or from another keyring)";
    }
    long headSeq = h.getLong("seq");
    String headFile = h.getString("file");
    if (headSeq > lastSeq) {
      return lastFile + ": truncated: the chain ends at seq " + lastSeq + " but the head records seq " + headSeq
          + " in " + headFile + " (" + (headSeq - lastSeq) + " record(s) missing at the end)";
    }
    if (headSeq == lastSeq && !h.getString("last_mac").equals(lastMac)) {
      return lastFile + ": the last record (seq " + lastSeq + ") is not the one the head records";
    }
    if (headSeq < lastSeq) {
      notes.add("the head records seq " + headSeq + ", before the last record " + lastSeq
          + " (the node stopped between writing a batch and its head)");
    }
    return null;
  }

  private static Report fail(String problem, long records, long first, long last, List<String> notes) {
    return new Report(false, problem, records, first, last, notes);
  }
}
