package dev.ephyr.broker.tools;

import io.vertx.core.json.JsonObject;

/**
 * The outcome of a tool call, independent of the front (MCP tool result or REST reply). Never carries a
 * secret: values and messages go to the agent, audit details go to the audit log.
 */
public sealed interface ToolResult {

  /**
   * Done; {@code value} is the result object.
   *
   * @param value the result
   * @param resource what the call touched, for audit ({@code target:web1}, {@code service:gitea}), or null
   */
  record Ok(JsonObject value, String resource) implements ToolResult {
    /** Done, touching nothing audit needs to name. */
    public Ok(JsonObject value) {
      this(value, null);
    }
  }

  /**
   * Refused for a reason the caller can act on (policy, visibility, lineage rules).
   *
   * @param code stable machine-readable code
   * @param message a sentence for the user
   * @param auditDetail precise reason for audit (may equal the message)
   * @param resource what the call tried to touch, for audit, or null
   */
  record Denied(String code, String message, String auditDetail, String resource) implements ToolResult {
    /** Denied with an audit detail, naming no resource. */
    public Denied(String code, String message, String auditDetail) {
      this(code, message, auditDetail, null);
    }

    /** Denied with the message as audit detail. */
    public Denied(String code, String message) {
      this(code, message, message, null);
    }
  }

  /**
   * The arguments are malformed (JSON-RPC {@code -32602}, REST 400).
   *
   * @param message which argument and why
   */
  record BadParams(String message) implements ToolResult {}

  /**
   * A complete MCP tool result produced elsewhere (a federated server's {@code content}, {@code isError},
   * {@code structuredContent}), already checked and bounded, passed to the agent as it is rather than
   * wrapped as a JSON value.
   *
   * @param result the MCP {@code CallToolResult} object
   * @param resource what the call touched, for audit ({@code remote:gh}), or null
   */
  record Passthrough(JsonObject result, String resource) implements ToolResult {}
}
