package dev.ephyr.broker.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code promtool} (Debian's {@code prometheus} package; {@code .ci/run} installs it) accepts the alert rules in
 * {@code deploy/prometheus} and their unit tests pass: each alert fires on the series it is about, with its
 * labels and rendered annotations, and not before its {@code for}. Skipped where promtool is missing, except
 * under {@code CI=true}.
 */
class AlertRulesPromtoolTest {

  private record Run(int exit, String output) {}

  /** Runs promtool in {@code dir}; skips (or fails under CI) when it is not installed. */
  private static Run promtool(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("promtool is required under CI=true (apt-get install prometheus)", e);
      }
      Assumptions.assumeTrue(false, "promtool is not installed (apt-get install --no-install-recommends prometheus)");
      throw new IllegalStateException("unreachable");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    return new Run(p.exitValue(), out);
  }

  @Test
  void promtoolCheckRules_acceptsTheAlertRules() throws Exception {
    Path rules = DeployFiles.alertRules();
    Run r = promtool(rules.getParent(), "check", "rules", rules.getFileName().toString());
    assertEquals(0, r.exit(), "promtool check rules " + rules + ":\n" + r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  @Test
  void promtoolTestRules_everyTestedAlertFiresAsExpected() throws Exception {
    Path tests = DeployFiles.alertRules().resolveSibling("ephyr-alerts.test.yml");
    Run r = promtool(tests.getParent(), "test", "rules", tests.getFileName().toString());
    assertEquals(0, r.exit(), "promtool test rules " + tests + ":\n" + r.output());
  }

  @Test
  void promtool_refusesABrokenRuleAndAWrongExpectation_soTheChecksAboveCanFail() throws Exception {
    Path dir = Files.createTempDirectory("ephyr-rules");
    try {
      Files.writeString(dir.resolve("bad.yml"),
          "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) >\n");
      assertFalse(promtool(dir, "check", "rules", "bad.yml").exit() == 0, "promtool accepted a syntax error");
      // The real rules, with a test that expects the quorum alert on a healthy node: must fail.
      Files.copy(DeployFiles.alertRules(), dir.resolve("ephyr-alerts.yml"));
      Files.writeString(dir.resolve("wrong.test.yml"), String.join("\n", "rule_files: [ephyr-alerts.yml]",
          "tests:", "  - interval: 15s", "    input_series:",
          "      - {series: 'ephyr_cluster_members{instance=\"h1\"}', values: '3x10'}",
          "      - {series: 'ephyr_cluster_quorum{instance=\"h1\"}', values: '2x10'}",
          "    alert_rule_test:", "      - eval_time: 2m", "        alertname: EphyrQuorumLost",
          "        exp_alerts:", "          - exp_labels: {severity: critical, instance: h1}", ""));
      assertFalse(promtool(dir, "test", "rules", "wrong.test.yml").exit() == 0,
          "promtool passed a test expecting an alert that cannot fire");
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void everyConditionOperatorsAskFor_hasAnAlert() throws Exception {
    Map<String, String> alerts = DeployFiles.alertExpressions();
    for (String name : new String[] {"EphyrQuorumLost", "EphyrNodeNotReady", "EphyrRevokeSlow",
        "EphyrAuditWriteFailing", "EphyrStateStoreUnwritable", "EphyrStateStoreFull", "EphyrSignerUnreachable",
        "EphyrCertificateIssuanceRefused"}) {
      assertTrue(alerts.containsKey(name), "missing alert " + name + " in " + alerts.keySet());
      assertFalse(alerts.get(name).isBlank(), name);
    }
  }
}
