package dev.ephyr.broker.cli;

import java.util.List;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;

/** {@code ephyr completion bash}: prints a shell completion script generated from the command tree. */
final class CompletionCommand implements Command {
  private final Supplier<CommandLine> root;

  CompletionCommand(Supplier<CommandLine> root) {
    this.root = root;
  }

  @Override
  public String name() {
    return "completion";
  }

  @Override
  public String summary() {
    return "print a shell completion script (bash; zsh with bashcompinit)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr completion bash

        Prints a completion script for every command and option to stdout. Load it in the current shell:
          source <(ephyr completion bash)
        or install it for every shell:
          ephyr completion bash > /etc/bash_completion.d/ephyr
        zsh runs the same script after: autoload -U +X bashcompinit && bashcompinit
        """;
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    String shell = args.positionals(1, 1, "shell (bash)").get(0);
    if (!shell.equals("bash")) {
      throw CliException.usage(name(), "unsupported shell '" + shell + "' (bash; zsh loads the bash script)");
    }
    io.out().print(AutoComplete.bash("ephyr", root.get()));
    return 0;
  }
}
