package dev.ephyr.broker.tasks;

import io.vertx.core.json.JsonObject;

/** The outcome of a task operation, independent of the front (MCP tool result or REST reply). */
public sealed interface ToolResult {

  /** Done; {@code value} is the result object. */
  record Ok(JsonObject value) implements ToolResult {}

  /**
   * Refused for a reason the caller can act on (policy, visibility, lineage rules).
   *
   * @param code stable machine-readable code
   * @param message a sentence for the user
   * @param auditDetail precise reason for audit (may equal the message)
   */
  record Denied(String code, String message, String auditDetail) implements ToolResult {
    /** Denied with the message as audit detail. */
    public Denied(String code, String message) {
      this(code, message, message);
    }
  }

  /**
   * The arguments are malformed (JSON-RPC {@code -32602}, REST 400).
   *
   * @param message which argument and why
   */
  record BadParams(String message) implements ToolResult {}
}
