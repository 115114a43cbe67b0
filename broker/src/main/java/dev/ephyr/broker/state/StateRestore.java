package dev.ephyr.broker.state;

import dev.ephyr.cluster.StateStore;
import dev.ephyr.cluster.StateVerifier;
import dev.ephyr.protocol.keys.Keyring;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Restores a backup into a stopped node's state directory (and audit directory): refuses a backup made under
 * another keyring, a backup whose manifest is missing or whose files do not match their checksums, and a target
 * that already holds state unless asked to replace it (then the old directories are kept aside, never deleted).
 *
 * <p>Journals in the target ({@code ephyr-state.journal.<n>}: the writes of the node that used it since its last
 * checkpoint) belong to the state being replaced: they make the target non-empty, go aside with it under
 * {@code --force}, and are never replayed over the backup, which is restored exactly as it was taken. A backup
 * holds no journal: it is a copy of the maps that includes every journalled write.
 */
public final class StateRestore {
  private StateRestore() {}

  /**
   * What a restore did.
   *
   * @param manifest the backup's manifest
   * @param movedAside directories that held state before and were renamed (with {@code --force})
   */
  public record Restored(BackupManifest manifest, List<Path> movedAside) {}

  /**
   * Checks the backup in {@code backup} completely, then copies it into {@code stateDir} and, when given,
   * {@code auditDir}. Nothing in the targets changes unless every check passed.
   *
   * @param replace when false, a non-empty target is refused; when true, it is renamed aside first
   */
  public static Restored restore(Path backup, Keyring keyring, Path stateDir, Path auditDir, boolean replace)
      throws BackupException {
    BackupManifest m = check(backup, keyring);
    List<Path> targets = new ArrayList<>();
    targets.add(stateDir);
    if (auditDir != null) {
      targets.add(auditDir);
    }
    for (Path t : targets) {
      refuseIfRunning(t);
    }
    List<Path> aside = new ArrayList<>();
    for (Path t : targets) {
      if (!isEmpty(t)) {
        if (!replace) {
          throw new BackupException(t + " is not empty: restoring would replace what it holds. Stop the node and"
              + " give --force to keep the current content aside (renamed) and restore the backup");
        }
        Path moved = t.resolveSibling(t.getFileName() + ".before-restore-" + Instant.now().getEpochSecond());
        try {
          Files.move(t, moved);
        } catch (IOException e) {
          throw new BackupException("cannot move " + t + " aside to " + moved + ": " + e.getMessage());
        }
        aside.add(moved);
      }
    }
    copyInto(backup, m, "state/", stateDir);
    if (auditDir != null) {
      copyInto(backup, m, "audit/", auditDir);
    }
    StateVerifier.Report after = StateVerifier.verify(stateDir);
    if (!after.ok()) {
      throw new BackupException("the restored state in " + stateDir + " does not verify: " + after.problems().get(0));
    }
    return new Restored(m, aside);
  }

  /**
   * Reads and checks a backup without changing anything: manifest present and well-formed, made under this
   * keyring, every file present with its length and checksum, the state copy a sound state store.
   */
  public static BackupManifest check(Path backup, Keyring keyring) throws BackupException {
    if (!Files.isDirectory(backup)) {
      throw new BackupException(backup + " is not a directory");
    }
    Path file = backup.resolve(BackupManifest.FILE);
    String text;
    try {
      if (Files.size(file) > BackupManifest.MAX_BYTES) {
        throw new BackupException("the manifest " + file + " is larger than " + BackupManifest.MAX_BYTES + " bytes");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BackupException("not a finished Ephyr backup: " + file + " is missing (a backup writes its manifest"
          + " last; without it the backup is incomplete)");
    } catch (IOException e) {
      throw new BackupException("cannot read the manifest " + file + ": " + e.getMessage());
    }
    BackupManifest m = BackupManifest.parse(text);
    if (!m.fingerprint().equals(keyring.fingerprint())
        && !KeyringChecks.holds(keyring, m.activeKid(), m.keyChecks().get(m.activeKid()))) {
      throw new BackupException("the backup was made with another keyring (fingerprint " + m.fingerprint()
          + "; this keyring is " + keyring.fingerprint() + " and does not hold its key '"
          + BackupManifest.clip(m.activeKid()) + "'); restore it with the keyring it was made with");
    }
    for (BackupManifest.Entry e : m.files()) {
      Path p = backup.resolve(e.path());
      long size;
      try {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          throw new BackupException("the backup is incomplete: " + e.path() + " is missing");
        }
        size = Files.size(p);
        if (size != e.bytes()) {
          throw new BackupException("the backup is damaged: " + e.path() + " has " + size + " bytes, the manifest"
              + " says " + e.bytes() + " (truncated or changed)");
        }
        if (!BackupFiles.sha256(p).equals(e.sha256())) {
          throw new BackupException("the backup is damaged: " + e.path() + " does not match its checksum");
        }
      } catch (IOException ex) {
        throw new BackupException("cannot read " + p + ": " + ex.getMessage());
      }
    }
    StateVerifier.Report r = StateVerifier.verify(backup.resolve("state"));
    if (!r.ok()) {
      throw new BackupException("the backup's state copy is not a sound state store: " + r.problems().get(0));
    }
    return m;
  }

  private static void copyInto(Path backup, BackupManifest m, String prefix, Path target) throws BackupException {
    try {
      Files.createDirectories(target.getParent() == null ? target : target.getParent());
      Files.createDirectory(target, PosixFilePermissions.asFileAttribute(BackupFiles.PRIVATE_DIR));
      for (BackupManifest.Entry e : m.files()) {
        if (!e.path().startsWith(prefix)) {
          continue;
        }
        Path src = backup.resolve(e.path());
        Path dst = target.resolve(e.path().substring(prefix.length()));
        Path tmp = target.resolve(dst.getFileName() + ".restoring");
        Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(tmp, BackupFiles.PRIVATE_FILE);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          c.force(true);
        }
        if (!BackupFiles.sha256(tmp).equals(e.sha256())) {
          throw new BackupException("the copy of " + e.path() + " in " + target + " does not match its checksum");
        }
        Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
      }
      BackupFiles.syncDirectory(target);
    } catch (IOException e) {
      throw new BackupException("cannot restore into " + target + ": " + e.getMessage());
    }
  }

  private static boolean isEmpty(Path dir) throws BackupException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupException(dir + " exists and is not a directory");
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new BackupException("cannot read " + dir + ": " + e.getMessage());
    }
  }

  /** A running node holds a lock on its state file; restoring under it would be overwritten or corrupt it. */
  private static void refuseIfRunning(Path dir) throws BackupException {
    Path file = dir.resolve(StateStore.FILE_NAME);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = c.tryLock();
      if (lock == null) {
        throw running(dir);
      }
      lock.release();
    } catch (OverlappingFileLockException e) {
      throw running(dir);
    } catch (IOException e) {
      throw new BackupException("cannot open " + file + ": " + e.getMessage());
    }
  }

  private static BackupException running(Path dir) {
    return new BackupException("a running node uses " + dir + "; stop it before restoring into it");
  }
}
