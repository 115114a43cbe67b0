package dev.ephyr.broker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.tools.CallControl.Delivery;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExecLimitTest {
  private static SshSettings settings(Duration exec, Duration maxExec) {
    return new SshSettings(null, Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(5), Duration.ofHours(1),
        Duration.ofSeconds(10), exec, maxExec, 65536, Duration.ofMinutes(5), Duration.ofHours(1), 4, 64, null);
  }

  @Test
  void defaults_leaveThirteenSecondsOfAThirtySecondRequest_toInlineCalls() {
    SshSettings s = settings(Duration.ofSeconds(60), Duration.ofMinutes(10));
    ExecLimit l = ExecLimit.of(s, Duration.ofSeconds(30));
    assertEquals(Duration.ofSeconds(13), l.longest(Delivery.INLINE));
    assertEquals(Duration.ofSeconds(13), l.byDefault(Delivery.INLINE));
    assertTrue(l.capsSettings());
    String problem = l.problem(Delivery.INLINE);
    assertTrue(problem.contains("between 1 and 13") && problem.contains("request timeout (30 s")
        && problem.contains("progressToken"), problem);
    assertTrue(l.describe().contains("at most 13 s"), l.describe());
  }

  @Test
  void streamedCalls_getTheWholeConfiguredBound_whateverTheRequestTimeout() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofSeconds(30));
    assertEquals(Duration.ofMinutes(10), l.longest(Delivery.STREAMED));
    assertEquals(Duration.ofSeconds(60), l.byDefault(Delivery.STREAMED));
    assertTrue(l.problem(Delivery.STREAMED).contains("between 1 and 600"));
    assertTrue(l.describe().contains("at most 600"), l.describe());
  }

  @Test
  void aLongRequestTimeout_leavesTheConfiguredBoundsAlone() {
    SshSettings s = settings(Duration.ofSeconds(60), Duration.ofMinutes(10));
    ExecLimit l = ExecLimit.of(s, Duration.ofMinutes(15));
    assertEquals(Duration.ofMinutes(10), l.longest(Delivery.INLINE));
    assertEquals(Duration.ofSeconds(60), l.byDefault(Delivery.INLINE));
    assertFalse(l.capsSettings());
  }

  @Test
  void aRequestTimeoutShorterThanTheSetup_stillAllowsOneSecond() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofSeconds(5));
    assertEquals(Duration.ofSeconds(1), l.longest(Delivery.INLINE));
    assertEquals(Duration.ofSeconds(1), l.byDefault(Delivery.INLINE));
  }

  @Test
  void theCapIsWholeSeconds() {
    ExecLimit l = ExecLimit.of(settings(Duration.ofSeconds(60), Duration.ofMinutes(10)), Duration.ofMillis(30_900));
    assertEquals(Duration.ofSeconds(13), l.longest(Delivery.INLINE));
  }
}
