package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.policy.Policy;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyValidateTest {
  @TempDir Path dir;

  @Test
  void validPolicy_printsASummaryAndTheHash() throws Exception {
    Path file = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/policy-example.yaml")) {
      Files.write(file, in.readAllBytes());
    }
    CliHarness.Result r = new CliHarness(dir).run("policy", "validate", "policy.yaml");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().startsWith("policy.yaml: ok — 2 agents, 1 templates"), r.out());
    assertTrue(r.out().contains("hash " + Policy.load(file).hash()), r.out());
    assertEquals("", new CliHarness(dir).run("policy", "validate", "--quiet", "policy.yaml").out());
  }

  @Test
  void invalidPolicy_listsEveryProblemWithItsLine_andExitsOne() throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "version: 1\nagents:\n  x:\n    tagets: [a]\n    delegate: 1\n");
    CliHarness.Result r = new CliHarness(dir).run("policy", "validate", "bad.yaml");
    assertEquals(1, r.code());
    assertEquals("", r.out());
    List<String> lines = r.err().lines().toList();
    assertEquals(List.of(
        "bad.yaml:4: unknown key 'tagets' in agents.x (did you mean 'targets'?)",
        "bad.yaml:5: agents.x.delegate must be true or false, got the number 1",
        "bad.yaml: 2 problems; the policy was not accepted"), lines);
  }

  @Test
  void warnings_goToStderr_withoutFailing() throws Exception {
    Files.writeString(dir.resolve("w.yaml"), "version: 1\nagents:\n  lonely: {}\n");
    CliHarness.Result r = new CliHarness(dir).run("policy", "validate", "w.yaml");
    assertEquals(0, r.code(), r.all());
    assertEquals("warning: w.yaml:3: agent 'lonely' can never act: it has no API key and no agent may delegate to it\n",
        r.err());
  }

  @Test
  void missingFile_andMissingArgument() {
    CliHarness.Result r = new CliHarness(dir).run("policy", "validate", "nope.yaml");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("nope.yaml: no such file"), r.err());
    CliHarness.Result usage = new CliHarness(dir).run("policy", "validate");
    assertEquals(2, usage.code());
    assertEquals("ephyr policy validate: missing policy file (see 'ephyr policy validate --help')\n", usage.err());
  }
}
