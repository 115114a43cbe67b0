package dev.ephyr.broker.cli;

import dev.ephyr.protocol.keys.Keyring;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr keys rotate}: adds a fresh master key and makes it active; older keys keep verifying. */
final class KeysRotate implements Command {
  @Override
  public String name() {
    return "keys rotate";
  }

  @Override
  public String summary() {
    return "add a fresh master key and make it the one that mints";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr keys rotate [FILE] [--kid KID]

        Adds a random master key to the keyring (default ./keyring.json) and makes it active. Tokens minted
        under older keys keep verifying until those keys are retired. The file is rewritten atomically
        with mode 0600; copy it to every node (nodes with another fingerprint refuse to serve).
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the keyring file (same as the FILE argument)"),
        Options.value("--kid", "KID", "key id of the new key (default: k<n+1>)"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path file = KeyringFiles.file(name(), args, io);
    Keyring old = KeyringFiles.read(file, io);
    String kid = KeyringFiles.kidOption(name(), args, KeyringFiles.nextKid(old));
    Keyring next;
    try {
      next = old.rotate(kid, io.random());
    } catch (IllegalArgumentException e) {
      throw CliException.failed(e.getMessage());
    }
    KeyringFiles.write(file, next, SecureFiles.Mode.REPLACE);
    io.out().println("rotated " + file + ": active key " + kid + " (keys: " + String.join(", ", next.kids()) + ")");
    io.out().println("fingerprint " + next.fingerprint());
    io.out().println("copy " + file.getFileName()
        + " to every node and restart them; nodes whose fingerprint differs refuse to serve");
    return 0;
  }
}
