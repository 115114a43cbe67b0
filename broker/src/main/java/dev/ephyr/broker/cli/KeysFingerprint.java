package dev.ephyr.broker.cli;

import dev.ephyr.protocol.keys.Keyring;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr keys fingerprint}: prints the keyring fingerprint that cluster members compare. */
final class KeysFingerprint implements Command {
  @Override
  public String name() {
    return "keys fingerprint";
  }

  @Override
  public String summary() {
    return "print the keyring's fingerprint (what cluster members compare)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr keys fingerprint [FILE] [--verbose]

        Prints the fingerprint of the keyring (default ./keyring.json) on one line. Two nodes can serve
        together only when their fingerprints are equal. It reveals nothing about the keys.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the keyring file (same as the FILE argument)"),
        Options.flag("--verbose", "also print the key ids and the active one"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path file = KeyringFiles.file(name(), args, io);
    Keyring keyring = KeyringFiles.read(file, io);
    io.out().println(keyring.fingerprint());
    if (args.flag("--verbose")) {
      io.out().println("keys: " + String.join(", ", keyring.kids()) + " (active " + keyring.activeKid() + ")");
    }
    return 0;
  }
}
