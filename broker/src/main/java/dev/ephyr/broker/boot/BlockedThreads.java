package dev.ephyr.broker.boot;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces Vert.x's blocked-thread handler with one that logs and counts (metric
 * {@code ephyr_event_loop_blocked_total}; every integration test asserts the count is zero), and logs where a
 * thread is stuck once it has been blocked for twice the limit.
 */
final class BlockedThreads {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private BlockedThreads() {}

  /** Installs the handler on {@code vertx}; the returned counter counts every warning. */
  static LongAdder count(Vertx vertx, String nodeId) {
    LongAdder blocked = new LongAdder();
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      blocked.increment();
      LOG.warn("node {}: {} has been blocked for {} ms (limit {} ms)", nodeId, event.thread().getName(),
          TimeUnit.NANOSECONDS.toMillis(event.duration()), TimeUnit.NANOSECONDS.toMillis(event.maxExecTime()));
      if (event.duration() >= 2 * event.maxExecTime() && event.duration() < 3 * event.maxExecTime()) {
        // Once per block, where it is stuck: a short block is often the scheduler, a long one is code.
        LOG.warn("node {}: {} is at{}", nodeId, event.thread().getName(), stack(event.thread().getStackTrace()));
      }
    });
    return blocked;
  }

  private static String stack(StackTraceElement[] frames) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(frames.length, 40); i++) {
      b.append("\n\tat ").append(frames[i]);
    }
    return b.toString();
  }
}
