package dev.ephyr.broker.yaml;

import java.util.List;

/** A document that could not be read at all (not YAML, too deep, anchors); each reader turns it into its own error. */
public final class YamlProblems extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  /** The problems found, at least one. */
  public YamlProblems(List<Problem> problems) {
    super(problems.get(0).toString(), null, false, false); // a user error: the stack trace helps nobody
    this.problems = List.copyOf(problems);
  }

  static YamlProblems of(String source, int line, String message) {
    return new YamlProblems(List.of(new Problem(source, line, message)));
  }

  /** Every problem, in document order. */
  public List<Problem> problems() {
    return problems;
  }
}
