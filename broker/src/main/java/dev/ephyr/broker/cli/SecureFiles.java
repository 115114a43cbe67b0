package dev.ephyr.broker.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Writes secret files with mode 0600 from the first byte, atomically, and reads files with a size bound. */
final class SecureFiles {
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

  private SecureFiles() {}

  /** Whether an existing file may be replaced. */
  enum Mode { CREATE_NEW, REPLACE }

  /**
   * Writes {@code data} to {@code file} with owner-only permissions. The bytes go to a 0600 temporary file in
   * the same directory first, so the secret is never readable by others and never half-written.
   */
  static void writeSecret(Path file, byte[] data, Mode mode) throws CliException {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw CliException.failed("directory " + dir + " does not exist");
    }
    if (mode == Mode.CREATE_NEW && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw CliException.failed(file + " already exists; pass --force to overwrite it");
    }
    Path tmp = null;
    try {
      tmp = posix(dir)
          ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
              PosixFilePermissions.asFileAttribute(OWNER_ONLY))
          : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      if (mode == Mode.CREATE_NEW) {
        try {
          Files.createLink(file, tmp); // atomic "create if absent": a racing writer makes this fail, not clobber
        } catch (FileAlreadyExistsException e) {
          throw CliException.failed(file + " already exists; pass --force to overwrite it");
        } catch (IOException | UnsupportedOperationException e) {
          Files.move(tmp, file); // no hard links here; a plain move still refuses an existing target
          tmp = null;
        }
      } else {
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        tmp = null;
      }
    } catch (IOException e) {
      throw CliException.failed("cannot write " + file + ": " + describe(e));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: a stray 0600 temp file holds nothing others can read
        }
      }
    }
  }

  /** Creates {@code dir} (and parents) with mode 0700 if it does not exist. */
  static void createPrivateDir(Path dir) throws CliException {
    try {
      if (!Files.isDirectory(dir)) {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        FileAttribute<?>[] attrs = posix(parent == null ? dir : parent)
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_DIR)} : new FileAttribute<?>[0];
        Files.createDirectory(dir, attrs);
      }
    } catch (IOException e) {
      throw CliException.failed("cannot create directory " + dir + ": " + describe(e));
    }
  }

  /** Reads a whole file of at most {@code maxBytes}. */
  static byte[] read(Path file, int maxBytes) throws CliException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(maxBytes + 1);
      if (b.length > maxBytes) {
        throw CliException.failed(file + " is larger than " + maxBytes + " bytes");
      }
      return b;
    } catch (NoSuchFileException e) {
      throw CliException.failed(file + ": no such file");
    } catch (IOException e) {
      throw CliException.failed("cannot read " + file + ": " + describe(e));
    }
  }

  /** Whether others than the owner may read or write {@code file} (always false off POSIX). */
  static boolean exposed(Path file) {
    try {
      if (!posix(file)) {
        return false;
      }
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
      others.retainAll(p);
      return !others.isEmpty();
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  static String describe(IOException e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName().replace("Exception", "");
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return m == null ? kind : kind + " (" + m + ")";
  }
}
