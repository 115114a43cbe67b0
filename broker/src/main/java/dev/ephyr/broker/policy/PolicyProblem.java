package dev.ephyr.broker.policy;

/**
 * One thing wrong with a policy file, located by line.
 *
 * @param source the file name as shown to people
 * @param line 1-based line, or 0 when the problem concerns the whole file
 * @param message what is wrong, in one line
 */
public record PolicyProblem(String source, int line, String message) {

  /** {@code policy.yaml:12: unknown key 'tagets' in agents.claude}. */
  @Override
  public String toString() {
    return line > 0 ? source + ":" + line + ": " + message : source + ": " + message;
  }
}
