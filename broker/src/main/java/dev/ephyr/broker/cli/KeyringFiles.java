package dev.ephyr.broker.cli;

import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.keys.KeyringFormatException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading and writing keyring files for the {@code keys} commands and {@code dev}. */
final class KeyringFiles {
  static final String DEFAULT_FILE = "keyring.json";
  private static final int MAX_BYTES = 1 << 20;
  private static final Pattern NUMBERED = Pattern.compile("k(\\d{1,9})");

  private KeyringFiles() {}

  /** The keyring file named by a positional or {@code --keyring}, defaulting to {@code keyring.json}. */
  static Path file(String command, Args args, Io io) throws CliException {
    List<String> pos = args.positionals(0, 1, "keyring file");
    String opt = args.option("--keyring");
    if (opt != null && !pos.isEmpty()) {
      throw CliException.usage(command, "give the keyring file once (positional or --keyring)");
    }
    return io.path(opt != null ? opt : pos.isEmpty() ? DEFAULT_FILE : pos.get(0));
  }

  static Keyring read(Path file, Io io) throws CliException {
    byte[] bytes = SecureFiles.read(file, MAX_BYTES);
    if (SecureFiles.exposed(file)) {
      io.err().println("warning: " + file + " is readable or writable by others; run: chmod 600 " + file);
    }
    try {
      return Keyring.parse(bytes);
    } catch (KeyringFormatException e) {
      throw CliException.failed(file + ": not a valid keyring: " + e.getMessage());
    }
  }

  static void write(Path file, Keyring keyring, SecureFiles.Mode mode) throws CliException {
    SecureFiles.writeSecret(file, keyring.toJson(InsecureSecretAccess.get()), mode);
  }

  /** {@code k<n+1>} after the highest {@code k<n>} in the keyring, so rotated ids sort in order of creation. */
  static String nextKid(Keyring keyring) {
    long max = 0;
    for (String kid : keyring.kids()) {
      Matcher m = NUMBERED.matcher(kid);
      if (m.matches()) {
        max = Math.max(max, Long.parseLong(m.group(1)));
      }
    }
    String kid = "k" + (max + 1);
    while (keyring.contains(kid)) {
      kid = kid + "x";
    }
    return kid;
  }

  static String kidOption(String command, Args args, String dflt) throws CliException {
    String kid = args.option("--kid", dflt);
    if (!kid.matches("[A-Za-z0-9_-]{1,32}")) {
      throw CliException.usage(command, "--kid must be 1-32 characters of A-Z a-z 0-9 _ -");
    }
    return kid;
  }
}
