package dev.ephyr.broker.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a credential lives — an environment variable or a file — never the credential itself.
 *
 * @param env the environment variable's name, or {@code null}
 * @param file the file's absolute path, or {@code null}
 */
public record SecretRef(String env, Path file) {

  /** Exactly one of {@code env} and {@code file}. */
  public SecretRef {
    if ((env == null) == (file == null)) {
      throw new IllegalArgumentException("a secret reference names exactly one of env and file");
    }
  }

  /**
   * Reads the secret now (blocking when it is a file); trailing newlines are dropped because editors add them.
   *
   * @throws IOException when the variable is unset or empty or the file cannot be read
   */
  public String resolve(Map<String, String> environment) throws IOException {
    String value;
    if (env != null) {
      value = environment.get(env);
      if (value == null || value.isEmpty()) {
        throw new IOException("environment variable " + env + " is not set");
      }
    } else {
      value = Files.readString(file, StandardCharsets.UTF_8);
    }
    int end = value.length();
    while (end > 0 && (value.charAt(end - 1) == '\n' || value.charAt(end - 1) == '\r')) {
      end--;
    }
    if (end == 0) {
      throw new IOException(describe() + " is empty");
    }
    return value.substring(0, end);
  }

  /** Where the secret is, for messages (never its value). */
  public String describe() {
    return env != null ? "env " + env : "file " + file;
  }
}
