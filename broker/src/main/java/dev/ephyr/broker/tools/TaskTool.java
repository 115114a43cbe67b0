package dev.ephyr.broker.tools;

import java.util.Optional;

/**
 * The task tools by name: the one list every front (MCP, REST) and the task service route, list and
 * special-case them by, so a tool's name is written once.
 */
public enum TaskTool {
  /** Create a root task (agent API key only). */
  CREATE("task_create"),
  /** Create a narrower child task. */
  DELEGATE("task_delegate"),
  /** Bind a task to the key of this request's DPoP proof. */
  BIND("task_bind"),
  /** Show one task. */
  INFO("task_info"),
  /** List the tasks visible to the caller. */
  LIST("task_list"),
  /** Revoke a task and its subtree. */
  REVOKE("task_revoke"),
  /** Mint a fresh token for a task, killing every older copy. */
  REISSUE("task_reissue");

  private final String toolName;

  TaskTool(String toolName) {
    this.toolName = toolName;
  }

  /** The name agents call the tool by ({@code task_create}, ...). */
  public String toolName() {
    return toolName;
  }

  /** Whether {@code name} names this tool. */
  public boolean is(String name) {
    return toolName.equals(name);
  }

  /** Whether a successful call creates a task (REST answers 201). */
  public boolean creates() {
    return this == CREATE || this == DELEGATE;
  }

  /** The tool called {@code name}, if it is a task tool. */
  public static Optional<TaskTool> named(String name) {
    for (TaskTool t : values()) {
      if (t.toolName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
