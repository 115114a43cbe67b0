package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mutated policies either parse or fail with a located {@link PolicyException} — never anything else. */
class PolicyFuzzTest {
  private static final String ALPHABET = " \n\t:-[]{}\"',#&*!|>%@`?*0123456789abcxyz.\\/_\u00e9";

  @Test
  void mutatedPolicies_neverCrashTheParser() {
    String base = PolicyFixtures.example();
    // Fixed seed so a failure is reproducible; -Dephyr.fuzz.seed / -Dephyr.fuzz.iterations for longer hunts.
    Random rnd = new Random(Long.getLong("ephyr.fuzz.seed", 20260101L));
    int iterations = Integer.getInteger("ephyr.fuzz.iterations", 3000);
    int rejected = 0;
    for (int i = 0; i < iterations; i++) {
      String text = mutate(base, rnd, 1 + rnd.nextInt(4));
      try {
        Policy p = Policy.parse(text, "fuzz.yaml");
        assertFalse(p.hash().isEmpty());
      } catch (PolicyException e) {
        rejected++;
        for (PolicyProblem problem : e.problems()) {
          assertTrue(problem.toString().startsWith("fuzz.yaml"), problem.toString());
          assertFalse(problem.message().contains("\n"), "multi-line message: " + problem);
        }
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError("parser crashed on mutation " + i + ":\n" + text, e);
      }
    }
    assertTrue(rejected > 100, "the mutations should break most documents, broke " + rejected);
  }

  private static String mutate(String text, Random rnd, int count) {
    StringBuilder sb = new StringBuilder(text);
    for (int m = 0; m < count; m++) {
      int pos = rnd.nextInt(sb.length());
      switch (rnd.nextInt(5)) {
        case 0 -> sb.deleteCharAt(pos);
        case 1 -> sb.insert(pos, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        case 2 -> sb.setCharAt(pos, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        case 3 -> {
          List<String> lines = new ArrayList<>(List.of(sb.toString().split("\n", -1)));
          int a = rnd.nextInt(lines.size());
          lines.add(rnd.nextInt(lines.size()), lines.get(a)); // duplicate a line elsewhere
          sb = new StringBuilder(String.join("\n", lines));
        }
        default -> {
          int end = Math.min(sb.length(), pos + rnd.nextInt(40));
          sb.delete(pos, end);
        }
      }
      if (sb.length() == 0) {
        sb.append("x");
      }
    }
    return sb.toString();
  }
}
