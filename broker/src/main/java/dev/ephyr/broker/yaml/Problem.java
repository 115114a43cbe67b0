package dev.ephyr.broker.yaml;

/**
 * One thing wrong with a configuration document, located by line.
 *
 * @param source the file name as shown to people
 * @param line 1-based line, or 0 when the problem concerns the whole document
 * @param message what is wrong, in one line
 */
public record Problem(String source, int line, String message) {

  /** {@code node.yaml:12: unknown setting 'http.prot'}. */
  @Override
  public String toString() {
    return line > 0 ? source + ":" + line + ": " + message : source + ": " + message;
  }
}
