package dev.ephyr.broker.policy;

import java.util.List;

/**
 * A policy file that cannot be used; the message names the file and line of the first problem.
 */
public final class PolicyException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<PolicyProblem> problems;

  PolicyException(List<PolicyProblem> problems) {
    super(summary(problems), null, false, false); // a user error: the stack trace helps nobody
    this.problems = List.copyOf(problems);
  }

  static PolicyException of(String source, int line, String message) {
    return new PolicyException(List.of(new PolicyProblem(source, line, message)));
  }

  /** Every problem found, in file order (at least one). */
  public List<PolicyProblem> problems() {
    return problems;
  }

  private static String summary(List<PolicyProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a PolicyException needs a problem");
    }
    String first = problems.get(0).toString();
    int more = problems.size() - 1;
    return more == 0 ? first : first + " (and " + more + " more problem" + (more == 1 ? ")" : "s)");
  }
}
