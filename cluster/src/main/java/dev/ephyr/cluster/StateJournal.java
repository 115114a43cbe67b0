package dev.ephyr.cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * One append-only journal file of the state store: a header (magic, version), then records of
 * {@code length, CRC-32C, type, payload}. A batch of records is written with one write and one
 * {@code fdatasync}; the store acknowledges the batch only after that.
 */
final class StateJournal implements AutoCloseable {

  static final String PREFIX = "ephyr-state.journal.";
  static final int VERSION = 1;
  static final int HEADER_BYTES = 12;
  /** No record is larger (a task record is far smaller); a length beyond it is damage, not data. */
  static final int MAX_RECORD = 16 << 20;
  private static final byte[] MAGIC = "EPHYRJNL".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]{1,18})");

  final long number;
  final Path path;
  private final FileChannel channel;
  private long size;

  private StateJournal(long number, Path path, FileChannel channel, long size) {
    this.number = number;
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /** Creates journal {@code number} (mode 0600), writes and syncs its header, then syncs the directory entry. */
  static StateJournal create(Path dir, long number) throws IOException {
    Path p = dir.resolve(PREFIX + number);
    FileChannel ch = FileChannel.open(p, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      ByteBuffer h = header();
      while (h.hasRemaining()) {
        ch.write(h);
      }
      ch.force(true);
      syncDirectory(dir);
      return new StateJournal(number, p, ch, HEADER_BYTES);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static ByteBuffer header() {
    ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
    h.put(MAGIC).putInt(VERSION).flip();
    return h;
  }

  /** Appends the records (type byte + payload each) with one write, then {@code fdatasync}; returns the bytes added. */
  long append(List<byte[]> bodies) throws IOException {
    int total = 0;
    for (byte[] b : bodies) {
      if (b.length > MAX_RECORD) {
        throw new IOException("a journal record of " + b.length + " bytes is larger than " + MAX_RECORD);
      }
      total += 8 + b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(total);
    CRC32C crc = new CRC32C();
    for (byte[] b : bodies) {
      crc.reset();
      crc.update(b);
      buf.putInt(b.length).putInt((int) crc.getValue()).put(b);
    }
    buf.flip();
    while (buf.hasRemaining()) {
      channel.write(buf, size + buf.position());
    }
    channel.force(false);
    size += total;
    return total;
  }

  long size() {
    return size;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** The journal files in {@code dir}, oldest first. */
  static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(StateJournal::number)).toList();
    } catch (IOException e) {
      throw new StateStoreException("state directory " + dir + " cannot be listed: " + StateStore.oneLine(e));
    }
  }

  static long number(Path journal) {
    var m = NAME.matcher(journal.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(journal + " is not a journal file");
    }
    return Long.parseLong(m.group(1));
  }

  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /**
   * What reading a journal found.
   *
   * @param file the journal
   * @param records the records that passed their CRC and decoded, in file order
   * @param problem why the journal cannot be trusted (then nothing of it is used), or null
   * @param torn the incomplete tail that was dropped (never acknowledged), or null
   * @param dropped with salvage, the damaged ranges skipped; otherwise empty
   */
  record Scan(Path file, List<JournalRecord> records, String problem, String torn, List<String> dropped) {}

  /**
   * Reads a journal. A damaged record with nothing valid after it, in the newest journal, is the torn tail of
   * an append a crash interrupted: dropped and reported in {@link Scan#torn}. Any other damage (a bad header,
   * a bad record followed by valid ones, a bad record in an older journal) is a {@link Scan#problem}; with
   * {@code salvage} the scan instead skips to the next valid record and lists what it skipped.
   *
   * @param newest whether no journal with a higher number exists
   */
  static Scan scan(Path file, boolean newest, boolean salvage) {
    byte[] d;
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return new Scan(file, List.of(), "not a regular file", null, List.of());
      }
      d = Files.readAllBytes(file);
    } catch (IOException | OutOfMemoryError e) {
      return new Scan(file, List.of(), "cannot be read: " + StateStore.oneLine(e), null, List.of());
    }
    List<JournalRecord> records = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    byte[] expect = header().array();
    if (d.length < HEADER_BYTES) {
      if (newest && Arrays.equals(d, 0, d.length, expect, 0, d.length)) {
        // a crash while the journal was being created: no record was ever written to it
        return new Scan(file, records, null, d.length == 0 ? "an empty file" : "an unfinished header", dropped);
      }
      return bad(file, "bad header: " + d.length + " bytes, shorter than a journal header", salvage);
    }
    if (!Arrays.equals(d, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return bad(file, "bad header: not an Ephyr state journal", salvage);
    }
    int version = ByteBuffer.wrap(d, MAGIC.length, 4).getInt();
    if (version != VERSION) {
      return bad(file, "bad header: journal version " + version + ", this node reads version " + VERSION, salvage);
    }
    int pos = HEADER_BYTES;
    String torn = null;
    while (pos < d.length) {
      String why = invalidAt(d, pos);
      if (why == null) {
        int len = ByteBuffer.wrap(d, pos, 4).getInt();
        byte[] body = Arrays.copyOfRange(d, pos + 8, pos + 8 + len);
        try {
          records.add(JournalRecord.decode(body));
        } catch (RuntimeException e) {
          // it passed its CRC, so it was written whole: damage no crash explains
          String p = "record at offset " + pos + " passes its checksum but does not decode: " + StateStore.oneLine(e);
          if (!salvage) {
            return new Scan(file, records, p, null, dropped);
          }
          dropped.add(p);
        }
        pos += 8 + len;
        continue;
      }
      int next = nextValid(d, pos + 1);
      if (next < 0 && newest) {
        torn = "an incomplete last record of " + (d.length - pos) + " bytes at offset " + pos + " (" + why + ")";
        break;
      }
      String p = next >= 0
          ? "damaged record at offset " + pos + " (" + why + ") followed by valid records at offset " + next
          : "damaged record at offset " + pos + " (" + why + ") in a journal that is not the newest";
      if (!salvage) {
        return new Scan(file, records, p, null, dropped);
      }
      dropped.add(p + ": dropped " + ((next < 0 ? d.length : next) - pos) + " bytes");
      if (next < 0) {
        break;
      }
      pos = next;
    }
    return new Scan(file, records, null, torn, dropped);
  }

  private static Scan bad(Path file, String why, boolean salvage) {
    return salvage
        ? new Scan(file, List.of(), null, null, List.of(why + ": the whole journal dropped"))
        : new Scan(file, List.of(), why, null, List.of());
  }

  /** Why no whole record starts at {@code pos}, or null if one does. */
  private static String invalidAt(byte[] d, int pos) {
    if (d.length - pos < 8) {
      return "only " + (d.length - pos) + " bytes left of a record header";
    }
    int len = ByteBuffer.wrap(d, pos, 4).getInt();
    if (len < 1 || len > MAX_RECORD) {
      return "length " + len + " out of range";
    }
    if ((long) d.length - pos - 8 < len) {
      return "length " + len + " runs past the end of the file";
    }
    CRC32C crc = new CRC32C();
    crc.update(d, pos + 8, len);
    if ((int) crc.getValue() != ByteBuffer.wrap(d, pos + 4, 4).getInt()) {
      return "checksum mismatch";
    }
    return null;
  }

  private static int nextValid(byte[] d, int from) {
    for (int p = from; p <= d.length - 9; p++) {
      if (invalidAt(d, p) == null) {
        return p;
      }
    }
    return -1;
  }
}
