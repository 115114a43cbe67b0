package dev.ephyr.broker.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code promtool check rules} (Debian's {@code prometheus} package; {@code .ci/run} installs it) accepts the
 * alert rules in {@code deploy/prometheus}. Skipped where promtool is missing, except under {@code CI=true}.
 */
class AlertRulesPromtoolTest {

  @Test
  void promtoolCheckRules_acceptsTheAlertRules() throws Exception {
    Path rules = DeployFiles.alertRules();
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "rules", rules.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("promtool is required under CI=true (apt-get install prometheus)", e);
      }
      Assumptions.assumeTrue(false, "promtool is not installed (apt-get install --no-install-recommends prometheus)");
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, p.exitValue(), "promtool check rules " + rules + ":\n" + out);
    assertTrue(out.contains("SUCCESS"), out);
  }

  @Test
  void promtoolCheckRules_refusesABrokenRule_soTheCheckAboveCanFail() throws Exception {
    Path bad = Files.createTempFile("ephyr-bad-rules", ".yml");
    try {
      Files.writeString(bad,
          "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) >\n");
      Process p;
      try {
        p = new ProcessBuilder("promtool", "check", "rules", bad.toString()).redirectErrorStream(true).start();
      } catch (IOException e) {
        if ("true".equals(System.getenv("CI"))) {
          throw new AssertionError("promtool is required under CI=true (apt-get install prometheus)", e);
        }
        Assumptions.assumeTrue(false, "promtool is not installed");
        return;
      }
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
      assertFalse(p.exitValue() == 0, "promtool accepted a rule with a syntax error");
    } finally {
      Files.deleteIfExists(bad);
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
