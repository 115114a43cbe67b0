package dev.ephyr.broker.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final FederationLimits L = FederationLimits.DEFAULTS;

  @Test
  void doubles_thenCaps_atTheLimitAndTheRefreshInterval() {
    Duration refresh = Duration.ofMinutes(30);
    assertEquals(1_000, Federation.backoff(L, 1, refresh, 0.999999).toMillis(), 1);
    assertEquals(2_000, Federation.backoff(L, 2, refresh, 0.999999).toMillis(), 1);
    assertEquals(8_000, Federation.backoff(L, 4, refresh, 0.999999).toMillis(), 1);
    assertEquals(300_000, Federation.backoff(L, 40, refresh, 0.999999).toMillis(), 1);
    assertEquals(10_000, Federation.backoff(L, 40, Duration.ofSeconds(10), 0.999999).toMillis(), 1);
  }

  @Test
  void jitter_keepsHalfToAll() {
    assertEquals(4_000, Federation.backoff(L, 4, Duration.ofHours(1), 0).toMillis());
    assertEquals(6_000, Federation.backoff(L, 4, Duration.ofHours(1), 0.5).toMillis());
  }
}
