package dev.ephyr.broker.cli;

import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.PolicyException;
import dev.ephyr.broker.policy.PolicyProblem;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr policy validate FILE}: parses a policy strictly and lists every problem with its line. */
final class PolicyValidate implements Command {
  @Override
  public String name() {
    return "policy validate";
  }

  @Override
  public String summary() {
    return "check a policy file; print every problem as file:line: message";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr policy validate FILE [--quiet]

        Parses FILE exactly as a node would: unknown keys, wrong types, bad names, unknown references,
        out-of-range durations and inline secrets are errors. Prints a summary and the policy hash (what
        nodes report for drift checks) and exits 0, or prints each problem as FILE:LINE: message on
        stderr and exits 1. Warnings (valid but probably unintended: an agent nothing can reach, an unused
        template or role, a credential over plain http) go to stderr and do not change the exit code.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.flag("--quiet", "print nothing on success"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path file = io.path(args.positionals(1, 1, "policy file").get(0));
    Policy policy;
    try {
      policy = Policy.load(file);
    } catch (PolicyException e) {
      List<PolicyProblem> problems = e.problems();
      for (PolicyProblem p : problems) {
        io.err().println(p);
      }
      io.err().println(file.getFileName() + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
          + "; the policy was not accepted");
      return CliException.FAILED;
    }
    for (PolicyProblem w : policy.warnings()) {
      io.err().println("warning: " + w);
    }
    if (!args.flag("--quiet")) {
      io.out().println(file.getFileName() + ": ok — " + policy.agents().size() + " agents, "
          + policy.templates().size() + " templates, " + policy.roles().size() + " roles, "
          + policy.targets().size() + " targets, " + policy.services().size() + " services, "
          + policy.remotes().size() + " remotes, " + policy.admins().size() + " admins");
      io.out().println("hash " + policy.hash());
    }
    return 0;
  }
}
