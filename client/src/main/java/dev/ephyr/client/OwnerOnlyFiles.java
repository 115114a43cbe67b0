package dev.ephyr.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Secret files of a holder (its key, its bound token): written 0600 from the first byte and atomically, read
 * with a size bound, and refused when group or others may read or write them.
 */
public final class OwnerOnlyFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> EXPOSING = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private OwnerOnlyFiles() {}

  /** Whether {@code file} exists (a symbolic link counts as existing, and is then refused by {@link #read}). */
  public static boolean exists(Path file) {
    return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Reads a secret file of at most {@code maxBytes}.
   *
   * @param what how the file is named in messages, e.g. {@code "key file"}
   * @throws ClientException if it is missing, too large, not a regular file, or readable by others
   */
  public static byte[] read(Path file, int maxBytes, String what) throws ClientException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ClientException(exists(file) ? what + " " + file + " is not a regular file (links are refused)"
          : what + " " + file + ": no such file");
    }
    String exposed = exposure(file);
    if (exposed != null) {
      throw new ClientException(what + " " + file + " is " + exposed + " by others than its owner; "
          + "run 'chmod 600 " + file + "' (and treat the secret as leaked if others may have read it)");
    }
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] b = in.readNBytes(maxBytes + 1);
      if (b.length > maxBytes) {
        throw new ClientException(what + " " + file + " is larger than " + maxBytes + " bytes");
      }
      return b;
    } catch (NoSuchFileException e) {
      throw new ClientException(what + " " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new ClientException("cannot read " + what + " " + file + ": permission denied");
    } catch (IOException e) {
      throw new ClientException("cannot read " + what + " " + file + ": " + e.getClass().getSimpleName());
    }
  }

  /** Writes {@code data} to {@code file} with mode 0600, through a 0600 temporary file and an atomic move. */
  public static void write(Path file, byte[] data, String what) throws ClientException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, posix(dir.getRoot()) ? new java.nio.file.attribute.FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(OWNER_DIR)} : new java.nio.file.attribute.FileAttribute<?>[0]);
      }
      tmp = posix(dir)
          ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
          : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new ClientException("cannot write " + what + " " + file + ": "
          + (e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a stray 0600 temporary file holds nothing others can read
        }
      }
    }
  }

  /** "readable", "writable" or "readable and writable" when group or others have access; else {@code null}. */
  static String exposure(Path file) {
    try {
      if (!posix(file)) {
        return null;
      }
      Set<PosixFilePermission> p = EnumSet.copyOf(EXPOSING);
      p.retainAll(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
      if (p.isEmpty()) {
        return null;
      }
      boolean r = p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
      boolean w = p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
      return r && w ? "readable and writable" : r ? "readable" : "writable";
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static boolean posix(Path p) {
    return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
