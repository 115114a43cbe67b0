package dev.ephyr.broker.tracing;

import io.opentelemetry.api.common.AttributeKey;

/** The attribute keys the broker puts on spans, in one place (docs/operations.md "Tracing" lists them). */
public final class SpanNames {
  /** The calling agent's name. */
  public static final AttributeKey<String> AGENT = AttributeKey.stringKey("ephyr.agent");
  /** The acting task's id. */
  public static final AttributeKey<String> TASK = AttributeKey.stringKey("ephyr.task");
  /** The MCP method ({@code tools/call}, {@code tools/list}, ...). */
  public static final AttributeKey<String> MCP_METHOD = AttributeKey.stringKey("mcp.method.name");
  /** The tool a {@code tools/call} names. */
  public static final AttributeKey<String> TOOL = AttributeKey.stringKey("gen_ai.tool.name");
  /** The JSON-RPC request id. */
  public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("jsonrpc.request.id");

  private SpanNames() {}
}
