package dev.ephyr.broker.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The time bound of one request, set by the audit step and carried down the pipeline: a step that knows the
 * request will run long on purpose (a tool call whose answer streams progress) extends it to that work's own
 * limit; every other request keeps the node's request timeout.
 */
public final class Deadline {
  private final long startNanos = System.nanoTime();
  private volatile long limitNanos;

  /** A deadline {@code bound} from now. */
  public Deadline(Duration bound) {
    this.limitNanos = bound.toNanos();
  }

  /** Extends the bound to {@code total} from the start of the request (never shortens it). */
  public void extendTo(Duration total) {
    long n = total.toNanos();
    synchronized (this) {
      if (n > limitNanos) {
        limitNanos = n;
      }
    }
  }

  /** Milliseconds left (zero or less once passed). */
  long remainingMillis() {
    return TimeUnit.NANOSECONDS.toMillis(limitNanos - (System.nanoTime() - startNanos));
  }

  /** {@code work}, failed with a {@link TimeoutException} if it is not done by the deadline (as it stands then). */
  <T> Future<T> bound(Future<T> work, Vertx vertx) {
    Promise<T> p = Promise.promise();
    long[] timer = {-1};
    Runnable[] arm = new Runnable[1];
    arm[0] = () -> timer[0] = vertx.setTimer(Math.max(1, remainingMillis()), id -> {
      if (p.future().isComplete()) {
        return;
      }
      if (remainingMillis() > 0) {
        arm[0].run(); // extended meanwhile
      } else {
        p.tryFail(new TimeoutException("request deadline passed"));
      }
    });
    arm[0].run();
    work.onComplete(ar -> {
      vertx.cancelTimer(timer[0]);
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }
}
