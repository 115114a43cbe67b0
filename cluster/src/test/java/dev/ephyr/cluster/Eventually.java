package dev.ephyr.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes; tests wait on conditions, never on sleeps. */
final class Eventually {

  private static final long POLL_NANOS = 20_000_000L;

  private Eventually() {}

  static void await(Duration timeout, BooleanSupplier condition) {
    await(timeout, "condition", () -> condition.getAsBoolean());
  }

  /** Exceptions thrown by the condition count as "not yet"; the last one is attached on timeout. */
  static void await(Duration timeout, String what, Callable<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError error = new AssertionError("timed out after " + timeout + " waiting for " + what);
        if (last != null) {
          error.initCause(last);
        }
        throw error;
      }
      LockSupport.parkNanos(POLL_NANOS); // poll interval, not a wait for the condition itself
    }
  }
}
