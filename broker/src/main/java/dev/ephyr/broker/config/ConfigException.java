package dev.ephyr.broker.config;

import dev.ephyr.broker.yaml.Problem;
import java.util.List;

/**
 * A node configuration that cannot be used. Every problem found is in {@link #problems()} and in the
 * message, each naming the setting and where it came from (file and line, or environment variable).
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  /** A problem described by {@code message} (which names the setting or file at fault). */
  public ConfigException(String message) {
    super(message);
    this.problems = List.of(new Problem("config", 0, message));
  }

  /** A problem described by {@code message}, caused by {@code cause}. */
  public ConfigException(String message, Throwable cause) {
    super(message, cause);
    this.problems = List.of(new Problem("config", 0, message));
  }

  /** All of {@code problems} (at least one), listed in the message one per line. */
  public ConfigException(List<Problem> problems) {
    super(summary(problems), null, false, false); // a user error: the stack trace helps nobody
    this.problems = List.copyOf(problems);
  }

  /** Every problem found (at least one). */
  public List<Problem> problems() {
    return problems;
  }

  private static String summary(List<Problem> problems) {
    if (problems.size() == 1) {
      return problems.get(0).toString();
    }
    StringBuilder b = new StringBuilder(problems.size() + " problems in the node configuration:");
    for (Problem p : problems) {
      b.append("\n  ").append(p);
    }
    return b.toString();
  }
}
