package dev.ephyr.broker.config;

/**
 * One node setting: its dotted name, what its value must be, its default and a one-line description. The
 * table of them is {@link Settings}; {@code docs/operations.md} lists the same (a test compares the two).
 *
 * @param name dotted key, e.g. {@code http.port}; {@code EPHYR_HTTP_PORT} in the environment
 * @param type form and bounds of the value
 * @param dflt the default as it would be written in the file, or {@code null} when computed or absent
 * @param computed what the default is when {@code dflt} is {@code null} or empty (for the reference), else {@code null}
 * @param doc what the setting does, in one line
 * @param change how a new value takes effect
 */
public record Setting(String name, SettingType type, String dflt, String computed, String doc, Change change) {

  /** How a changed value takes effect; the settings reference shows it per setting. */
  public enum Change {
    /** Read once at start: the node must be restarted for a new value to take effect. */
    RESTART("restart"),
    /**
     * Read at each use from the configuration in force: {@code ephyr admin config-reload} (or {@code Node.reloadConfig})
     * applies a new value on a live node.
     */
    RELOAD("reload");

    private final String shown;

    Change(String shown) {
      this.shown = shown;
    }

    /** As the settings reference writes it. */
    public String shown() {
      return shown;
    }
  }

  /** The default as the settings reference shows it. */
  public String shownDefault() {
    if (dflt == null || dflt.isEmpty()) {
      return computed;
    }
    String iec = type instanceof SettingType.Int i && i.bytes() ? SettingType.Int.iec(Long.parseLong(dflt)) : dflt;
    return "`" + dflt + "`" + (iec.equals(dflt) ? "" : " (" + iec + ")");
  }

  /** The environment variable that overrides this setting. */
  public String envName() {
    return NodeConfig.envName(name);
  }
}
