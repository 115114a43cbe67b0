package dev.ephyr.broker.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlNamesTest {

  @Test
  void of_histogramQuantile_keepsTheBucketSeries_dropsFunctionsLabelsAndRanges() {
    assertEquals(Set.of("ephyr_revoke_seconds_bucket"), PromQlNames.of("histogram_quantile(0.99, sum by (instance, le)"
        + " (rate(ephyr_revoke_seconds_bucket{outcome=\"acknowledged\"}[5m]))) > 1"));
  }

  @Test
  void of_binaryOperatorsAndKeywords_giveBothOperands() {
    assertEquals(Set.of("ephyr_state_bytes", "ephyr_state_max_bytes"),
        PromQlNames.of("ephyr_state_bytes / on (instance) group_left ephyr_state_max_bytes > 0.8"));
    assertEquals(Set.of("ephyr_audit_failing", "ephyr_audit_write_failures_total"),
        PromQlNames.of("ephyr_audit_failing == 1 or increase(ephyr_audit_write_failures_total[5m]) > 0"));
    assertEquals(Set.of("ephyr_cluster_ready"), PromQlNames.of("count(ephyr_cluster_ready == bool 0) or vector(0)"));
  }

  @Test
  void of_labelValuesThatLookLikeNames_areNotNames() {
    assertEquals(Set.of("ephyr_requests_total"), PromQlNames.of("sum by (code) (rate(ephyr_requests_total"
        + "{code=~\"signer_unavailable|signer_refused\", x='a{b}'}[5m] offset 1h))"));
  }

  @Test
  void of_numbersWithExponentsOrUnits_areNotNames() {
    assertEquals(Set.of("up"), PromQlNames.of("up == 0 and 1e3 > 2 unless up offset 5m"));
  }

  @Test
  void family_mapsHistogramSeries_keepsOtherNames() {
    assertEquals("ephyr_revoke_seconds", PromQlNames.family("ephyr_revoke_seconds_bucket"));
    assertEquals("ephyr_revoke_seconds", PromQlNames.family("ephyr_revoke_seconds_count"));
    assertEquals("ephyr_requests_total", PromQlNames.family("ephyr_requests_total"));
  }
}
