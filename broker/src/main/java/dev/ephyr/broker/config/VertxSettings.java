package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The Vert.x instance's settings ({@code vertx.*}).
 *
 * @param eventLoops event loops (0 = the Vert.x default)
 * @param blockedThreadCheckInterval how often Vert.x checks for blocked threads
 * @param maxEventLoopExecuteTime how long an event-loop task may run before Vert.x warns
 */
public record VertxSettings(int eventLoops, Duration blockedThreadCheckInterval, Duration maxEventLoopExecuteTime) {

  static VertxSettings read(Values v) {
    return new VertxSettings(v.integer(Settings.VERTX_EVENT_LOOPS),
        v.duration(Settings.VERTX_BLOCKED_THREAD_CHECK_INTERVAL),
        v.duration(Settings.VERTX_MAX_EVENT_LOOP_EXECUTE_TIME));
  }
}
