package dev.ephyr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventuallyTest {

  @Test
  void returnsOnceTheConditionHolds_onTheCallingThread() {
    AtomicInteger polls = new AtomicInteger();
    Thread caller = Thread.currentThread();
    Eventually.await(Duration.ofSeconds(30), "the third poll", () -> {
      assertSame(caller, Thread.currentThread());
      return polls.incrementAndGet() == 3;
    });
    assertEquals(3, polls.get());
  }

  @Test
  void exceptionsAndFailedAssertions_countAsNotYet() {
    AtomicInteger polls = new AtomicInteger();
    Eventually.await(Duration.ofSeconds(30), "past the failures", () -> {
      int n = polls.incrementAndGet();
      if (n == 1) {
        throw new IllegalStateException("not up yet");
      }
      assertTrue(n > 2, "still starting");
      return true;
    });
    assertEquals(3, polls.get());
  }

  @Test
  void timeout_isAnAssertionError_namingWhat_withTheLastObstacleAsCause() {
    AssertionError e = assertThrows(AssertionError.class, () -> Eventually.await(Duration.ofMillis(100),
        "a door that never opens", () -> {
          throw new IllegalStateException("locked");
        }));
    assertTrue(e.getMessage().contains("a door that never opens"), e.getMessage());
    assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
  }
}
