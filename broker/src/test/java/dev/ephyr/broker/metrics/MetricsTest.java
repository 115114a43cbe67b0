package dev.ephyr.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.metrics.MeterSpec.Kind;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void render_prometheusText_keepsNamesBucketsAndEscaping() {
    Metrics m = new Metrics();
    MeterSpec x = new MeterSpec("ephyr_x_total", "help", Kind.COUNTER, List.of("code"), 10);
    MeterSpec lat = new MeterSpec("ephyr_lat_seconds", "lat", Kind.TIMER, List.of("endpoint"), 10);
    MeterSpec up = new MeterSpec("ephyr_up", "up", Kind.GAUGE, List.of(), 1);
    m.counter(x).get("a\"b").increment();
    m.counter(x).get("a\"b").increment();
    m.timer(lat).get("mcp").record(3, TimeUnit.MILLISECONDS);
    m.gauge(up, () -> 1);
    String text = m.render();
    assertTrue(text.contains("# HELP ephyr_x_total help\n"), text);
    assertTrue(text.contains("# TYPE ephyr_x_total counter\n"), text);
    assertTrue(text.contains("ephyr_x_total{code=\"a\\\"b\"} 2"), text);
    assertTrue(text.contains("ephyr_lat_seconds_bucket{endpoint=\"mcp\",le=\"0.0025\"} 0\n"), text);
    assertTrue(text.contains("ephyr_lat_seconds_bucket{endpoint=\"mcp\",le=\"0.005\"} 1\n"), text);
    assertTrue(text.contains("ephyr_lat_seconds_bucket{endpoint=\"mcp\",le=\"+Inf\"} 1\n"), text);
    assertTrue(text.contains("ephyr_lat_seconds_count{endpoint=\"mcp\"} 1\n"), text);
    assertTrue(text.contains("ephyr_up 1"), text);
    assertEquals(2, m.count("ephyr_x_total", "code", "a\"b"));
  }

  /**
   * 10,000 distinct values (as from requests naming unknown tools, services or targets) make at most the cap
   * of series; the rest is counted under "other", nothing is lost, the folding is counted, and other meters
   * still get their new series afterwards.
   */
  @Test
  void seriesCap_foldsDistinctValuesIntoOther_andLosesNoCount() {
    Metrics m = new Metrics();
    int distinct = 10_000;
    int cap = MeterCatalogue.REQUESTS.maxSeries();
    for (int i = 0; i < distinct; i++) {
      m.counter(MeterCatalogue.REQUESTS).get("mcp", "deny", "unknown_tool_" + i).increment();
    }
    assertEquals(cap, m.counter(MeterCatalogue.REQUESTS).size());
    String text = m.render();
    long series = text.lines().filter(l -> l.startsWith("ephyr_requests_total{")).count();
    assertEquals(cap + 1, series, "cap plus the one \"other\" series");
    long sum = text.lines().filter(l -> l.startsWith("ephyr_requests_total{"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertEquals(distinct, sum, "every request is still counted");
    assertEquals(distinct - cap, m.count("ephyr_requests_total", "endpoint", "other", "outcome", "other", "code",
        "other"));
    assertEquals(distinct - cap, m.count("ephyr_metrics_series_folded_total", "meter", "ephyr_requests_total"));
    // The cap is per meter: a flood on one does not starve another.
    m.counter(MeterCatalogue.AUTH).get("bearer", "ok", "ok").increment();
    assertEquals(1, m.count("ephyr_auth_total", "kind", "bearer", "result", "ok", "code", "ok"));
    // A known series keeps counting after the cap.
    m.counter(MeterCatalogue.REQUESTS).get("mcp", "deny", "unknown_tool_0").increment();
    assertEquals(2, m.count("ephyr_requests_total", "endpoint", "mcp", "outcome", "deny", "code", "unknown_tool_0"));
  }

  @Test
  void labelledGauges_pastTheCap_areNotRegisteredAndAreCounted() {
    Metrics m = new Metrics();
    int cap = MeterCatalogue.FEDERATION_REMOTE_UP.maxSeries();
    for (int i = 0; i < cap + 50; i++) {
      m.gauge(MeterCatalogue.FEDERATION_REMOTE_UP, () -> 1, "remote" + i);
    }
    long series = m.render().lines().filter(l -> l.startsWith("ephyr_federation_remote_up{")).count();
    assertEquals(cap, series);
    assertEquals(50, m.count("ephyr_metrics_series_folded_total", "meter", "ephyr_federation_remote_up"));
  }

  @Test
  void longLabelValues_areClipped() {
    Metrics m = new Metrics();
    m.counter(MeterCatalogue.REQUESTS).get("mcp", "deny", "x".repeat(10_000)).increment();
    assertTrue(m.render().contains("code=\"" + "x".repeat(Family.MAX_VALUE_LENGTH) + "\""));
    assertTrue(!m.render().contains("x".repeat(Family.MAX_VALUE_LENGTH + 1)));
  }

  @Test
  void wrongLabelCount_orKind_isRefused() {
    Metrics m = new Metrics();
    assertThrows(IllegalArgumentException.class, () -> m.counter(MeterCatalogue.REQUESTS).get("mcp"));
    assertThrows(IllegalArgumentException.class, () -> m.timer(MeterCatalogue.REQUESTS));
    assertThrows(IllegalArgumentException.class, () -> new MeterSpec("ephyr_x", "h", Kind.COUNTER, List.of(), 1));
    assertThrows(IllegalArgumentException.class, () -> new MeterSpec("ephyr_x_total", "h", Kind.GAUGE, List.of(), 1));
    assertThrows(IllegalArgumentException.class, () -> new MeterSpec("ephyr_x", "h", Kind.TIMER, List.of("a"), 1));
  }

  /** Every meter of the catalogue is exposed under its declared name and type, and documented in docs/. */
  @Test
  void catalogue_everyMeterExposedUnderItsName_andDocumented() throws Exception {
    Set<MeterSpec> declared = new HashSet<>();
    for (Field f : MeterCatalogue.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == MeterSpec.class) {
        declared.add((MeterSpec) f.get(null));
      }
    }
    assertEquals(declared, new HashSet<>(MeterCatalogue.ALL), "ALL lists every declared meter");
    Metrics m = new Metrics();
    for (MeterSpec s : MeterCatalogue.ALL) {
      String[] values = s.labels().stream().map(l -> "v").toArray(String[]::new);
      switch (s.kind()) {
        case COUNTER -> m.counter(s).get(values).increment();
        case TIMER -> m.timer(s).get(values).record(1, TimeUnit.MILLISECONDS);
        case GAUGE -> m.gauge(s, () -> 1, values);
        case COUNTED -> m.counted(s, () -> 1);
        default -> throw new AssertionError(s.kind());
      }
    }
    String text = m.render();
    String docs = docs();
    for (MeterSpec s : MeterCatalogue.ALL) {
      String type = switch (s.kind()) {
        case COUNTER, COUNTED -> "counter";
        case TIMER -> "histogram";
        case GAUGE -> "gauge";
      };
      assertTrue(text.contains("# TYPE " + s.name() + " " + type + "\n"), s.name() + "\n" + text);
      assertTrue(docs.contains(s.name()), s.name() + " is not documented in docs/");
    }
  }

  /** The package stays a leaf: it may be used by every capability, so it uses none (no cycle through it). */
  @Test
  void metricsPackage_dependsOnNoOtherEphyrPackage() throws IOException {
    Path dir = Path.of("src", "main", "java", "dev", "ephyr", "broker", "metrics");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(p)) {
          if (line.startsWith("import") && line.contains("dev.ephyr.")) {
            assertTrue(line.contains("dev.ephyr.broker.metrics."), p + ": " + line);
          }
        }
      }
    }
  }

  private static String docs() throws IOException {
    Path dir = Path.of("..", "docs");
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".md")).toList()) {
        all.append(Files.readString(p));
      }
    }
    return all.toString();
  }
}
