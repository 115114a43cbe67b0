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
  void refusesWhatIsNotOneNumberAndOneUnit() {
    for (String bad : new String[] {null, "", "10", "s", "-5s", "+5s", "1.5h", "5 m", "5mm", "1h30m", "5w",
        "9999999999999999999s", "999999999999999999d", "١٠s"}) {
      assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), String.valueOf(bad));
    }
  }
}
