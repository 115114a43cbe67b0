package dev.ephyr.broker.cli;

/** Checks a task id typed on the command line before it goes into a URL path. */
final class TaskIds {
  private TaskIds() {}

  static String check(String command, String id) throws CliException {
    if (id.length() != 26 || !id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) {
      throw CliException.usage(command, "'" + (id.length() > 40 ? id.substring(0, 40) + "…" : id)
          + "' is not a task id (26 characters, 0-9 A-Z)");
    }
    return id;
  }
}
