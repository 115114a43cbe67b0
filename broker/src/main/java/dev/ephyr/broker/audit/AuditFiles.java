package dev.ephyr.broker.audit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names of a node's audit files: {@code audit-00000001.jsonl}, ... in write order, and the head file. */
public final class AuditFiles {
  /** The head file: the last record written, MAC'd, so truncating the tail of the last file shows. */
  public static final String HEAD = "audit.head";
  private static final Pattern NAME = Pattern.compile("audit-(\\d{8})\\.jsonl");

  private AuditFiles() {}

  /** The name of file number {@code index}. */
  public static String name(long index) {
    return String.format("audit-%08d.jsonl", index);
  }

  /** The file number of {@code file}, or -1 if it is not an audit file name. */
  public static long index(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The audit files in {@code dir}, oldest first (empty when the directory does not exist). */
  public static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "audit-*.jsonl")) {
      for (Path p : ds) {
        if (index(p) >= 0) {
          out.add(p);
        }
      }
    }
    out.sort((a, b) -> Long.compare(index(a), index(b)));
    return out;
  }
}
