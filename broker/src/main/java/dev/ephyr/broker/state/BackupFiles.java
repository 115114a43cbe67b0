package dev.ephyr.broker.state;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.cluster.StateStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The file work of backups and restores (blocking: worker threads and the command line only). */
final class BackupFiles {
  static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

  private BackupFiles() {}

  /**
   * Creates the backup directory with its {@code state/} and {@code audit/} folders (mode 0700). The directory
   * must not exist yet and its parent must: a backup never writes into, or replaces, anything already there.
   */
  static void prepare(Path target) throws BackupException {
    if (!target.isAbsolute()) {
      throw new BackupException("the backup directory must be an absolute path on the node: " + target);
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupException("the backup directory " + target + " already exists; name a new one");
    }
    Path parent = target.getParent();
    if (parent == null || !Files.exists(parent)) {
      // The node makes only the backup directory itself, never a chain of folders someone mistyped.
      throw new BackupException("the backup directory's parent " + parent + " does not exist; create it first");
    }
    if (!Files.isDirectory(parent)) {
      throw new BackupException("the backup directory's parent " + parent + " is not a directory");
    }
    try {
      Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      Files.createDirectory(target.resolve("state"), PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      Files.createDirectory(target.resolve("audit"), PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
    } catch (IOException e) {
      throw new BackupException("cannot create the backup directory " + target + ": " + e.getMessage());
    }
  }

  /**
   * Copies the audit trail named by {@code snapshot} ({@code {"files": [{"file", "bytes"}], "head": bytes}}) into
   * {@code target/audit}: each file up to the length that holds whole records, then the head that vouches for
   * the last of them.
   */
  static void copyAudit(Path target, JsonObject snapshot) throws BackupException {
    Path dir = target.resolve("audit");
    JsonArray files = snapshot.getJsonArray("files", new JsonArray());
    for (Object o : files) {
      JsonObject f = (JsonObject) o;
      Path src = Path.of(f.getString("file"));
      long bytes = f.getLong("bytes");
      Path dst = dir.resolve(src.getFileName().toString());
      try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
          FileChannel out = FileChannel.open(dst, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PRIVATE_FILE))) {
        if (in.size() < bytes) {
          throw new BackupException("the audit file " + src + " is shorter (" + in.size() + " bytes) than the "
              + bytes + " bytes its writer reported");
        }
        long done = 0;
        while (done < bytes) {
          long n = in.transferTo(done, bytes - done, out);
          if (n <= 0) {
            throw new BackupException("the audit file " + src + " could not be read to its end");
          }
          done += n;
        }
        out.force(true);
      } catch (IOException e) {
        throw new BackupException("cannot copy the audit file " + src + ": " + e.getMessage());
      }
    }
    byte[] head = snapshot.getBinary("head");
    if (head != null) {
      write(dir.resolve(AuditFiles.HEAD), head);
    }
  }

  /** The manifest entries of every file in {@code target}'s {@code state/} and {@code audit/} folders. */
  static List<BackupManifest.Entry> entries(Path target) throws BackupException {
    List<BackupManifest.Entry> out = new ArrayList<>();
    out.add(entry(target, BackupManifest.STATE_FILE));
    try (Stream<Path> s = Files.list(target.resolve("audit"))) {
      for (Path p : s.sorted().toList()) {
        out.add(entry(target, "audit/" + p.getFileName()));
      }
    } catch (IOException e) {
      throw new BackupException("cannot list " + target.resolve("audit") + ": " + e.getMessage());
    }
    return out;
  }

  private static BackupManifest.Entry entry(Path target, String rel) throws BackupException {
    Path p = target.resolve(rel);
    try {
      return new BackupManifest.Entry(rel, Files.size(p), sha256(p));
    } catch (IOException e) {
      throw new BackupException("cannot read " + p + ": " + e.getMessage());
    }
  }

  /** Writes the manifest last, atomically: a backup directory without one is unfinished and refused by restore. */
  static void writeManifest(Path target, BackupManifest manifest) throws BackupException {
    Path tmp = target.resolve(BackupManifest.FILE + ".tmp");
    write(tmp, (manifest.toJson().encodePrettily() + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      Files.move(tmp, target.resolve(BackupManifest.FILE), StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(target);
    } catch (IOException e) {
      throw new BackupException("cannot write the manifest in " + target + ": " + e.getMessage());
    }
  }

  /** Writes {@code bytes} to a new file (mode 0600) and forces it to disk. */
  static void write(Path file, byte[] bytes) throws BackupException {
    try (FileChannel out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PRIVATE_FILE))) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    } catch (IOException e) {
      throw new BackupException("cannot write " + file + ": " + e.getMessage());
    }
  }

  static void syncDirectory(Path dir) {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (IOException e) {
      // not every file system lets a directory be opened for sync; the files themselves are synced
    }
  }

  /** Lowercase hex SHA-256 of a file's content. */
  static String sha256(Path file) throws IOException {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** Removes an unfinished backup this process created (best effort; it has no manifest, so no restore takes it). */
  static void removeUnfinished(Path target) {
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
        || Files.exists(target.resolve(BackupManifest.FILE))) {
      return;
    }
    try (Stream<Path> walk = Files.walk(target)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // left for the operator; without a manifest it is refused by restore
    }
  }

  /** The state store's file in a state directory. */
  static Path stateFile(Path stateDir) {
    return stateDir.resolve(StateStore.FILE_NAME);
  }
}
