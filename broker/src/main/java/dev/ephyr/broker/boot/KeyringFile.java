package dev.ephyr.broker.boot;

import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.keys.KeyringFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the node's keyring file, bounded, with errors that say what to do. */
final class KeyringFile {
  private static final long MAX_BYTES = 1024 * 1024;

  private KeyringFile() {}

  static Keyring load(Path file) throws ConfigException {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new ConfigException(file + ": larger than 1 MiB");
      }
      return Keyring.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the keyring (" + e.getClass().getSimpleName()
          + "); create one with 'ephyr keys init'");
    } catch (KeyringFormatException e) {
      throw new ConfigException(file + ": " + e.getMessage());
    }
  }
}
