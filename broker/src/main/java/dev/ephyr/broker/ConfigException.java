package dev.ephyr.broker;

/** A node configuration that cannot be used; the message names the setting (and file) at fault. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A problem described by {@code message}. */
  public ConfigException(String message) {
    super(message);
  }

  /** A problem described by {@code message}, caused by {@code cause}. */
  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
