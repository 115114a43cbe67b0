package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void everyUnit() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(10), Durations.parse(" 10S "));
    assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
    assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    assertEquals(Duration.ofDays(2), Durations.parse("2d"));
    assertEquals(Duration.ZERO, Durations.parse("0s"));
  }

  @Test
  void compound_largestUnitFirst_readsBackWhatFormatWrites() {
    assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
    assertEquals(Duration.ofDays(1).plusSeconds(1).plusMillis(5), Durations.parse("1d1s5ms"));
    for (String s : new String[] {"0s", "500ms", "90s", "15m", "2h", "1d", "1h30m", "2d3h4m5s6ms"}) {
      assertEquals(Durations.parse(s), Durations.parse(Durations.format(Durations.parse(s))), s);
    }
    assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    assertEquals("1m30s", Durations.format(Durations.parse("90s")));
  }

  @Test
  void refusesWhatIsNotOneNumberAndOneUnit() {
    for (String bad : new String[] {null, "", "10", "s", "-5s", "+5s", "1.5h", "5 m", "5mm", "30m1h", "1h1h", "1h 30m", "1msx", "5w",
        "9999999999999999999s", "999999999999999999d", "١٠s"}) {
      assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), String.valueOf(bad));
    }
  }
}
