package dev.ephyr.broker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephyr.broker.policy.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr agent-key}: makes a new agent API key and the hash that goes into the policy. */
final class AgentKey implements Command {
  @Override
  public String name() {
    return "agent-key";
  }

  @Override
  public String summary() {
    return "generate an agent API key and its hash for the policy";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr agent-key [--agent NAME] [--out FILE] [--json]
               ephyr agent-key --hash [-]

        Generates a random API key (ek_ + 256 random bits) and prints it with its hash. The key is shown
        only here: give it to the agent. Put the hash (sha256:...) into the policy under
        agents.<name>.api_keys; the broker stores and compares hashes only. With --out, the key is written
        to FILE (mode 0600, refused if FILE exists) instead of being shown.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--agent", "NAME", "print the policy snippet for this agent"),
        Options.value("--out", "FILE", "write the key to FILE (mode 0600, refused if it exists) instead"),
        Options.flag("--json", "print {\"key\": ..., \"hash\": ...}"),
        Options.flag("--hash", "read an existing key from stdin and print its hash only"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    if (args.flag("--hash")) {
      List<String> pos = args.positionals(0, 1, "-");
      if (!pos.isEmpty() && !pos.get(0).equals("-")) {
        // A key on the command line ends up in shell history and the process list.
        throw CliException.usage(name(), "pass the key on stdin, not as an argument: ephyr agent-key --hash < key.txt");
      }
      String key = Stdin.readValue(io, 4096, name(), "API key");
      if (!ApiKeys.isWellFormedKey(key)) {
        throw CliException.failed("that is not an ephyr API key (expected ek_ and 43 base64url characters)");
      }
      io.out().println(ApiKeys.hash(key));
      return 0;
    }
    args.positionals(0, 0, "");
    String agent = args.option("--agent");
    if (agent != null && !agent.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw CliException.usage(name(), "--agent must be an agent name (letters, digits, . _ -)");
    }
    String key = ApiKeys.generate(io.random());
    String hash = ApiKeys.hash(key);
    String out = args.option("--out");
    if (out != null) {
      SecureFiles.writeSecret(io.path(out), (key + "\n").getBytes(StandardCharsets.UTF_8), SecureFiles.Mode.CREATE_NEW);
    }
    if (args.flag("--json")) {
      ObjectNode o = new ObjectMapper().createObjectNode().put("hash", hash);
      if (out == null) {
        o.put("key", key);
      } else {
        o.put("file", io.path(out).toString());
      }
      if (agent != null) {
        o.put("agent", agent);
      }
      io.out().println(o.toString());
      return 0;
    }
    if (out == null) {
      io.out().println("API key (give it to the agent; it is not stored anywhere):");
      io.out().println("  " + key);
    } else {
      io.out().println("API key written to " + io.path(out) + " (mode 0600; give it to the agent).");
    }
    io.out().println("Hash (put it in the policy):");
    io.out().println("  " + hash);
    if (agent != null) {
      io.out().println();
      io.out().println("agents:");
      io.out().println("  " + agent + ":");
      io.out().println("    api_keys: [\"" + hash + "\"]");
    }
    return 0;
  }
}
