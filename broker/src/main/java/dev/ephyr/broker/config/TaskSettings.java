package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The node's task limits ({@code tasks.*}); an agent's policy may lower them.
 *
 * @param defaultTtl TTL of a root task when the agent's policy names none
 * @param maxTtl absolute upper bound on any task TTL
 * @param delegateDefaultTtl TTL of a delegated task when none is asked for
 * @param maxBindWindow longest two-phase bind window
 * @param listLimit most records a task listing returns
 */
public record TaskSettings(Duration defaultTtl, Duration maxTtl, Duration delegateDefaultTtl, Duration maxBindWindow,
    int listLimit) {

  static TaskSettings read(Values v) {
    return new TaskSettings(v.duration(Settings.TASKS_DEFAULT_TTL), v.duration(Settings.TASKS_MAX_TTL),
        v.duration(Settings.TASKS_DELEGATE_DEFAULT_TTL), v.duration(Settings.TASKS_MAX_BIND_WINDOW),
        v.integer(Settings.TASKS_LIST_LIMIT));
  }
}
