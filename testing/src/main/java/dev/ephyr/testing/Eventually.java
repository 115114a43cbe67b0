package dev.ephyr.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Polls a condition until it holds or a deadline passes: tests wait on conditions, never on sleeps.
 *
 * <p>Exceptions and assertion errors thrown by the condition count as "not yet"; on timeout the last one is the
 * cause of the {@link AssertionError} thrown, so a failure says both what was awaited and what stood in the way.
 * The condition runs on the calling thread.
 */
public final class Eventually {

  private static final Duration POLL = Duration.ofMillis(20);

  private Eventually() {}

  /** Waits up to {@code timeout} for {@code condition}. */
  public static void await(Duration timeout, BooleanSupplier condition) {
    await(timeout, "condition", condition::getAsBoolean);
  }

  /** Waits up to {@code timeout} for {@code condition}; {@code what} names it in the failure. */
  public static void await(Duration timeout, String what, Callable<Boolean> condition) {
    try {
      Awaitility.await(what).atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(POLL)
          .ignoreExceptionsMatching(e -> true)
          .until(condition, Boolean.TRUE::equals);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what, e.getCause());
    }
  }
}
