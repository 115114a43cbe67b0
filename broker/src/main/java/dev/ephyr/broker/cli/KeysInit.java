package dev.ephyr.broker.cli;

import dev.ephyr.protocol.keys.Keyring;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr keys init}: creates a keyring with one fresh master key, mode 0600, never overwriting by accident. */
final class KeysInit implements Command {
  @Override
  public String name() {
    return "keys init";
  }

  @Override
  public String summary() {
    return "create a keyring file with a fresh master key (mode 0600)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr keys init [FILE] [--kid KID] [--force]

        Creates a keyring (default ./keyring.json) holding one random 256-bit master key, written with
        mode 0600. Copy the same file to every node of a cluster, like any cluster secret.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the keyring file (same as the FILE argument)"),
        Options.value("--kid", "KID", "key id of the new key (default k1)"),
        Options.flag("--force", "overwrite an existing file (every token minted under it stops verifying)"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path file = KeyringFiles.file(name(), args, io);
    String kid = KeyringFiles.kidOption(name(), args, "k1");
    Keyring keyring = Keyring.generate(kid, io.random());
    KeyringFiles.write(file, keyring, args.flag("--force") ? SecureFiles.Mode.REPLACE : SecureFiles.Mode.CREATE_NEW);
    io.out().println("wrote " + file + " (mode 0600): active key " + kid);
    io.out().println("fingerprint " + keyring.fingerprint());
    return 0;
  }
}
