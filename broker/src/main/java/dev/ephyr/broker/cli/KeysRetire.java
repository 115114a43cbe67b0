package dev.ephyr.broker.cli;

import dev.ephyr.protocol.keys.Keyring;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr keys retire KID}: removes an old master key; tokens minted under it stop verifying. */
final class KeysRetire implements Command {
  @Override
  public String name() {
    return "keys retire";
  }

  @Override
  public String summary() {
    return "remove an old (inactive) master key";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr keys retire KID [--keyring FILE]

        Removes key KID from the keyring (default ./keyring.json). Every token minted under it stops
        verifying. The active key cannot be retired; rotate first.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the keyring file (default keyring.json)"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    String kid = args.positionals(1, 1, "key id to retire").get(0);
    Path file = io.path(args.option("--keyring", KeyringFiles.DEFAULT_FILE));
    Keyring old = KeyringFiles.read(file, io);
    Keyring next;
    try {
      next = old.retire(kid);
    } catch (IllegalArgumentException e) {
      throw CliException.failed(e.getMessage());
    }
    KeyringFiles.write(file, next, SecureFiles.Mode.REPLACE);
    io.out().println("retired " + kid + " from " + file + " (keys: " + String.join(", ", next.kids()) + ")");
    io.out().println("fingerprint " + next.fingerprint());
    return 0;
  }
}
