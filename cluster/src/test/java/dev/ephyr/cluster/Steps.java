package dev.ephyr.cluster;

import java.util.concurrent.TimeUnit;

/**
 * Prints how long each step of a long cluster test took, so that a test stopped by its timeout on a slow
 * machine says in the build log which step it was in.
 */
final class Steps {
  private final String test;
  private final long start = System.nanoTime();
  private long last = start;

  Steps(String test) {
    this.test = test;
  }

  void done(String step) {
    long now = System.nanoTime();
    System.err.printf("[%s] %s after %d ms (total %d ms)%n", test, step,
        TimeUnit.NANOSECONDS.toMillis(now - last), TimeUnit.NANOSECONDS.toMillis(now - start));
    last = now;
  }
}
