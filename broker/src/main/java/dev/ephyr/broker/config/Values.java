package dev.ephyr.broker.config;

import dev.ephyr.broker.yaml.Problem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resolved text of every setting (defaults, then the file, then the environment) read as typed values.
 * A value that fails its check is recorded as a problem at the place it came from and replaced by the
 * default, so that every capability's settings are read and every problem is reported in one pass.
 */
final class Values {
  /** Where a setting's text came from: a file and line, an environment variable, or code. */
  record Raw(String text, String source, int line) {}

  private final Map<String, Raw> raw;
  private final Path baseDir;
  private final List<Problem> problems;

  Values(Map<String, Raw> raw, Path baseDir, List<Problem> problems) {
    this.raw = raw;
    this.baseDir = baseDir;
    this.problems = problems;
  }

  /** The checked value of {@code s}, or its default's ({@code null} for none) after recording why not. */
  private Object value(Setting s) {
    Raw r = raw.get(s.name());
    if (r != null) {
      try {
        return s.type().check(r.text());
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(r.source(), r.line(), s.name() + " " + e.getMessage()));
      }
    }
    return s.dflt() == null ? null : s.type().check(s.dflt());
  }

  /** Records {@code message} at the place {@code at} was set (or, when it was not set, as a whole-config problem). */
  void problem(Setting at, String message) {
    problem(at.name(), message);
  }

  /** Records {@code message} at the place {@code key} was set (or as a whole-config problem). */
  void problem(String key, String message) {
    Raw r = raw.get(key);
    problems.add(r == null ? new Problem("config", 0, message) : new Problem(r.source(), r.line(), message));
  }

  /** Whether {@code s} was given (by file, environment or code), as opposed to defaulted. */
  boolean isSet(Setting s) {
    return raw.containsKey(s.name());
  }

  int integer(Setting s) {
    return (int) (long) (Long) value(s);
  }

  long bytes(Setting s) {
    return (Long) value(s);
  }

  Duration duration(Setting s) {
    return (Duration) value(s);
  }

  boolean bool(Setting s) {
    return (Boolean) value(s);
  }

  /** Trimmed text; {@code null} when unset without default. */
  String text(Setting s) {
    return (String) value(s);
  }

  /** Text that is empty when unset. */
  Optional<String> optionalText(Setting s) {
    String v = text(s);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  @SuppressWarnings("unchecked")
  List<String> list(Setting s) {
    return (List<String>) value(s);
  }

  /** A file named by {@code s}, relative to the config file's folder; empty when unset. */
  Optional<Path> file(Setting s) {
    return optionalText(s).map(baseDir::resolve);
  }

  /** A path named by {@code s} (relative to the config file's folder), else {@code fallback} in the data dir. */
  Path path(Setting s, Path dataDir, String fallback) {
    Optional<String> v = optionalText(s);
    Path p = v.isEmpty() ? dataDir.resolve(fallback) : Path.of(v.get());
    return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
  }

  /** The data directory, relative to the config file's folder. */
  Path dataDir() {
    Path p = Path.of(text(Settings.NODE_DATA_DIR));
    return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
  }

  /** Every problem so far. */
  List<Problem> problems() {
    return new ArrayList<>(problems);
  }
}
