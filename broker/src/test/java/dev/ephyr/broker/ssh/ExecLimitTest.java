package dev.ephyr.broker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.config.SshSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExecLimitTest {
  private static SshSettings settings(Duration exec, Duration maxExec) {
    return new SshSettings(null, Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofHours(1),
        Duration.ofSeconds(10), exec, maxExec, 65536, Duration.ofMinutes(5), Duration.ofHours(1), 4, 64, null);
  }

  @Test
  void defaults_leaveThirteenSecondsOfAThirtySecondRequest() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofSeconds(30));
    assertEquals(Duration.ofSeconds(13), l.longest());
    assertEquals(Duration.ofSeconds(13), l.byDefault());
    assertTrue(l.capsSettings(settings(Duration.ofSeconds(60), Duration.ofMinutes(10))));
    assertTrue(l.problem().contains("between 1 and 13") && l.problem().contains("request timeout (30 s"));
    assertTrue(l.describe().contains("at most 13"));
  }

  @Test
  void aLongRequestTimeout_leavesTheConfiguredBoundsAlone() {
    SshSettings s = settings(Duration.ofSeconds(60), Duration.ofMinutes(10));
    ExecLimit l = ExecLimit.of(s, Duration.ofMinutes(15));
    assertEquals(Duration.ofMinutes(10), l.longest());
    assertEquals(Duration.ofSeconds(60), l.byDefault());
    assertFalse(l.capsSettings(s));
  }

  @Test
  void aRequestTimeoutShorterThanTheSetup_stillAllowsOneSecond() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofSeconds(5));
    assertEquals(Duration.ofSeconds(1), l.longest());
    assertEquals(Duration.ofSeconds(1), l.byDefault());
  }

  @Test
  void theCapIsWholeSeconds() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofMillis(30_900));
    assertEquals(Duration.ofSeconds(13), l.longest());
  }
}
