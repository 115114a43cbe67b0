package dev.ephyr.broker.cli;

import java.util.concurrent.CountDownLatch;

/** A one-shot signal that a long-running command (node, dev) should shut down. */
final class StopSignal {
  private final CountDownLatch latch = new CountDownLatch(1);

  /** Asks the command to stop; idempotent. */
  void fire() {
    latch.countDown();
  }

  /** Blocks until {@link #fire()} is called. */
  void await() throws InterruptedException {
    latch.await();
  }
}
