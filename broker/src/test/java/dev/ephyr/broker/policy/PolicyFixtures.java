package dev.ephyr.broker.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The example policy from test resources, and its test-only API keys. */
final class PolicyFixtures {
  static final String ALICE_KEY = "ek_" + "A".repeat(43);
  static final String BOB_KEY = "ek_" + "B".repeat(43);

  private PolicyFixtures() {}

  static String example() {
    try (InputStream in = PolicyFixtures.class.getResourceAsStream("/policy-example.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A minimal valid policy with one agent holding {@code key}, plus whatever {@code extra} YAML follows. */
  static String minimal(String key, String extra) {
    return "version: 1\nagents:\n  a1:\n    api_keys: [\"" + ApiKeys.hash(key) + "\"]\n" + extra;
  }
}
