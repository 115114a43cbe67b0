package dev.ephyr.broker.ssh.signer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Iterator;
import java.util.Set;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The CA's Ed25519 key in an OpenSSH private key file that only its owner may read. A file that group or
 * others can read (or a symlink) is refused: the key must stay inside the signer's account.
 */
public final class CaKeyFile {
  static final int MAX_BYTES = 16 * 1024;

  private CaKeyFile() {}

  /** Loads the key, refusing loose permissions, a symlink, a passphrase or a non-Ed25519 key. */
  public static KeyPair load(Path file) throws SignerSetupException {
    if (Files.isSymbolicLink(file)) {
      throw new SignerSetupException(file + ": the CA key must be a regular file, not a symlink");
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new SignerSetupException(file + ": no such CA key file (create one with --create-key)");
    }
    checkMode(file);
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new SignerSetupException(file + ": cannot read the CA key (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_BYTES) {
      throw new SignerSetupException(file + ": larger than " + MAX_BYTES + " bytes; not an OpenSSH Ed25519 key");
    }
    KeyPair kp;
    try {
      Iterator<KeyPair> it = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()),
          new java.io.ByteArrayInputStream(bytes), null).iterator();
      kp = it.hasNext() ? it.next() : null;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // The parser's message may quote key material; name only the failure class.
      throw new SignerSetupException(file + ": not a readable unencrypted OpenSSH private key ("
          + e.getClass().getSimpleName() + ")");
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
    }
    if (kp == null || !"ssh-ed25519".equals(KeyUtils.getKeyType(kp))) {
      throw new SignerSetupException(file + ": the CA key must be an Ed25519 key (ssh-keygen -t ed25519)");
    }
    return kp;
  }

  /** Refuses a file with any group or other permission bit. */
  static void checkMode(Path file) throws SignerSetupException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      throw new SignerSetupException(file + ": cannot check permissions on this file system; the signer needs POSIX");
    } catch (IOException e) {
      throw new SignerSetupException(file + ": cannot read permissions (" + e.getClass().getSimpleName() + ")");
    }
    for (PosixFilePermission p : perms) {
      if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
        throw new SignerSetupException(file + ": mode " + PosixFilePermissions.toString(perms)
            + " lets others read or run the CA key; it must be readable by its owner only (chmod 600 " + file + ")");
      }
    }
  }

  /** Creates a new Ed25519 CA key at {@code file} (mode 0600, never overwriting) and returns it. */
  public static KeyPair create(Path file, SecureRandom random) throws SignerSetupException {
    KeyPair kp = generate(random);
    try (OutputStream out = Files.newOutputStream(Files.createFile(file,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
        StandardOpenOption.WRITE)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "ephyr-ca", null, out);
    } catch (FileAlreadyExistsException e) {
      throw new SignerSetupException(file + ": already exists; refusing to overwrite a CA key");
    } catch (IOException | GeneralSecurityException e) {
      throw new SignerSetupException(file + ": cannot write the CA key (" + e.getClass().getSimpleName() + ")");
    }
    return kp;
  }

  /** A fresh Ed25519 key pair in the key classes sshd signs with (BouncyCastle's). */
  public static KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, random);
      KeyPair jdk = g.generateKeyPair();
      KeyFactory kf = SecurityUtils.getKeyFactory(SecurityUtils.EDDSA);
      return new KeyPair(kf.generatePublic(new X509EncodedKeySpec(jdk.getPublic().getEncoded())),
          kf.generatePrivate(new PKCS8EncodedKeySpec(jdk.getPrivate().getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available (BouncyCastle missing?)", e);
    }
  }
}
