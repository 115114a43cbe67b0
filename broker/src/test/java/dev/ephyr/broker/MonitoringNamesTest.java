package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.MeterSpec;
import dev.ephyr.broker.monitoring.DeployFiles;
import dev.ephyr.broker.monitoring.PromQlNames;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alert rules ({@code deploy/prometheus}) and the dashboard ({@code deploy/grafana}) query is
 * one a running node exports: a node is started, given some traffic (tasks, a revoke, a refused request), and
 * its {@code /metrics} scraped; the names the expressions read (see {@link PromQlNames}) are compared with it.
 */
final class MonitoringNamesTest {
  /** Series Prometheus makes itself for every scrape target, not exported by the node. */
  private static final Set<String> SYNTHETIC = Set.of("up");
  /**
   * Labelled families whose first series appears only on an event this test does not cause: traffic of a
   * capability it does not configure (a proxied service, a federated remote) or a meter reaching its series cap.
   * For these alone the name is checked against {@link MeterCatalogue}, which is what the node renders from,
   * instead of the scrape.
   */
  private static final Set<String> APPEAR_ON_EVENT = Set.of("ephyr_proxy_requests_total",
      "ephyr_proxy_upstream_seconds", "ephyr_federation_calls_total", "ephyr_federation_call_seconds",
      "ephyr_federation_refresh_total", "ephyr_federation_remote_up", "ephyr_federation_remote_tools",
      "ephyr_metrics_series_folded_total");

  private static TestKit kit;
  private static Node node;
  private static Set<String> scraped;

  @BeforeAll
  static void startAndScrape() throws Exception {
    kit = new TestKit();
    node = kit.startSolo("mon");
    String mcp = TestKit.localMcp(node);
    String task = McpClient.bearer(mcp, kit.aliceKey).ok("task_create", new JsonObject().put("ttl", 600))
        .getString("task_id");
    McpClient.bearer(mcp, kit.aliceKey).ok("task_revoke", new JsonObject().put("task_id", task));
    assertEquals(401, McpClient.bearer(mcp, "not-a-key").rpc("ping", null).status());
    Http.Response r = Http.get("http://127.0.0.1:" + node.port() + "/metrics", Map.of());
    assertEquals(200, r.status(), r.toString());
    scraped = new HashSet<>();
    for (String line : r.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
          end++;
        }
        scraped.add(line.substring(0, end));
      }
    }
  }

  @AfterAll
  static void stop() {
    TestKit.closeCheckingLoops(node);
  }

  @Test
  void alertRules_nameOnlyExportedMetrics() throws Exception {
    assertAllExported(DeployFiles.alertExpressions());
  }

  @Test
  void dashboardQueries_nameOnlyExportedMetrics() throws Exception {
    Map<String, String> queries = DeployFiles.dashboardExpressions();
    assertTrue(queries.size() >= 20, "the dashboard has its queries: " + queries.keySet());
    assertAllExported(queries);
  }

  @Test
  void theComparison_catchesAMisspelledName() {
    Map<String, String> missing = missing(Map.of("typo", "rate(ephyr_request_total[5m])"));
    assertEquals(Set.of("typo"), missing.keySet(), "a name the node does not export is reported");
  }

  @Test
  void revokeLatency_isExportedAfterAnAcknowledgedRevoke() {
    assertTrue(scraped.contains("ephyr_revoke_seconds_bucket"), "scraped: " + scraped);
    assertTrue(scraped.contains("ephyr_state_entries"), "scraped: " + scraped);
    assertTrue(scraped.contains("ephyr_cluster_quorum"), "scraped: " + scraped);
  }

  private static void assertAllExported(Map<String, String> expressions) {
    Map<String, String> missing = missing(expressions);
    assertTrue(missing.isEmpty(), "queries naming metrics the node does not export: " + missing);
  }

  /** Query → the names it reads that the node does not export (empty map when all are). */
  private static Map<String, String> missing(Map<String, String> expressions) {
    Set<String> declared = new HashSet<>();
    for (MeterSpec s : MeterCatalogue.ALL) {
      declared.add(s.name());
    }
    Map<String, String> out = new TreeMap<>();
    expressions.forEach((where, expr) -> {
      Set<String> names = PromQlNames.of(expr);
      assertTrue(!names.isEmpty(), where + " reads no metric: " + expr);
      for (String name : names) {
        boolean ok = SYNTHETIC.contains(name) || scraped.contains(name)
            || (APPEAR_ON_EVENT.contains(family(name)) && declared.contains(family(name)));
        if (!ok) {
          out.merge(where, name, (a, b) -> a + ", " + b);
        }
      }
    });
    return out;
  }

  /** The catalogue name of a series: histogram and timer-max suffixes belong to their timer. */
  private static String family(String name) {
    return PromQlNames.family(name).replaceAll("_max$", "");
  }
}
