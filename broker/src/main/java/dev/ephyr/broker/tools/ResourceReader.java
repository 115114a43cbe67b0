package dev.ephyr.broker.tools;

import dev.ephyr.broker.auth.Caller;
import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * A capability whose resources live elsewhere (federated servers): the MCP endpoint routes
 * {@code resources/read} of the URIs it {@link #readsResource reads} to it. Implemented by a
 * {@link ToolProvider} that also serves resources; checks envelope and policy on every read.
 */
public interface ResourceReader {

  /** Whether {@code uri} is one of this capability's resources. */
  boolean readsResource(String uri);

  /**
   * Reads {@code uri} for {@code caller}: {@link ToolResult.Ok} whose value is {@code {"contents": [...]}}
   * (an MCP {@code ReadResourceResult}), or {@link ToolResult.Denied} / {@link ToolResult.BadParams}.
   */
  Future<ToolResult> readResource(String uri, Caller caller, Context ctx);
}
