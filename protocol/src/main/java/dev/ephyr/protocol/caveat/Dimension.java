package dev.ephyr.protocol.caveat;

/** The set dimensions of an envelope, each written as one caveat key. */
public enum Dimension {
  /** SSH targets. */
  TARGETS("targets"),
  /** SSH roles. */
  ROLES("roles"),
  /** HTTP proxy services. */
  SERVICES("services"),
  /** HTTP methods (upper case). */
  METHODS("methods"),
  /** Federated MCP servers. */
  REMOTES("remotes");

  private final String key;

  Dimension(String key) {
    this.key = key;
  }

  /** The caveat key, e.g. {@code targets}. */
  public String key() {
    return key;
  }

  static Dimension ofKey(String key) {
    for (Dimension d : values()) {
      if (d.key.equals(key)) {
        return d;
      }
    }
    return null;
  }
}
