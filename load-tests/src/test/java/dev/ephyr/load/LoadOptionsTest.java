package dev.ephyr.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

  private static LoadOptions parse(String... args) throws LoadOptions.BadOption {
    return LoadOptions.parse(List.of(args), null);
  }

  private static String refused(String... args) {
    return assertThrows(LoadOptions.BadOption.class, () -> parse(args)).getMessage();
  }

  @Test
  void defaultsAreAFullLocalRun() throws Exception {
    LoadOptions o = parse();
    assertEquals(3, o.nodes());
    assertEquals(Duration.ofSeconds(30), o.duration());
    assertEquals(Duration.ofSeconds(10), o.warmup());
    assertEquals(LoadOptions.ALL_SCENARIOS, o.scenarios());
    assertEquals(1000, o.revocations());
    assertTrue(o.baseline(), "a local run measures its baseline first");
  }

  @Test
  void baseline_offOnRequest_withTargets_andForScalingAlone() throws Exception {
    assertFalse(parse("--no-baseline").baseline());
    assertFalse(LoadOptions.parse(List.of("--targets", "http://127.0.0.1:8554"), "ek_x").baseline(),
        "the targets run elsewhere: no ratio to a local baseline");
    assertFalse(parse("--scenarios", "scaling").baseline());
    assertTrue(parse("--scenarios", "verify-bearer,scaling").baseline());
  }

  @Test
  void quickShortensPhasesButKeepsExplicitValues() throws Exception {
    assertEquals(Duration.ofSeconds(4), parse("--quick").duration());
    assertEquals(Duration.ofSeconds(2), parse("--quick").warmup());
    assertEquals(Duration.ofSeconds(9), parse("--quick", "--duration", "9s").duration());
    assertEquals(Duration.ZERO, parse("--warmup", "0s").warmup());
  }

  @Test
  void everyBadValueIsNamed() {
    assertTrue(refused("--nodes", "0").contains("--nodes must be between 1 and 9"));
    assertTrue(refused("--nodes", "many").contains("whole number"));
    assertTrue(refused("--nodes").contains("--nodes needs a value"));
    assertTrue(refused("--duration", "0s").contains("--duration must be between 1s and 1h"));
    assertTrue(refused("--duration", "2d").contains("between 1s and 1h"));
    assertTrue(refused("--duration", "30").contains("must look like"));
    assertTrue(refused("--duration", "99999999999999999h").contains("must look like"));
    assertTrue(refused("--concurrency", "5000").contains("1 and 1024"));
    assertTrue(refused("--scenarios", "verify-bearer,fast").contains("unknown scenario 'fast'"));
    assertTrue(refused("--frobnicate").contains("unknown option '--frobnicate'"));
    assertTrue(refused("--targets", "ftp://x").contains("base URLs"));
    assertTrue(refused("--revocations", "1").contains("between 10 and 100000"));
  }

  @Test
  void targetsNeedAKeyAndExcludeProcessScenarios() throws Exception {
    assertTrue(refused("--targets", "http://127.0.0.1:8554").contains("API key"));
    assertTrue(refused("--targets", "http://a:1", "--nodes", "2").contains("exclude each other"));
    LoadOptions o = LoadOptions.parse(List.of("--targets", "http://127.0.0.1:8554/"), "ek_x");
    assertEquals(List.of("http://127.0.0.1:8554"), o.targets());
    assertTrue(!o.scenarios().contains("node-loss") && !o.scenarios().contains("scaling"));
    assertTrue(assertThrows(LoadOptions.BadOption.class, () -> LoadOptions.parse(
        List.of("--targets", "http://a:1", "--scenarios", "node-loss"), "ek_x")).getMessage().contains("local cluster"));
    assertTrue(refused("--nodes", "1", "--scenarios", "node-loss").contains("at least 2 nodes"));
  }
}
