package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The MCP endpoint's settings ({@code mcp.*}).
 *
 * @param sessionTtl lifetime of an MCP session id
 */
public record McpSettings(Duration sessionTtl) {

  static McpSettings read(Values v) {
    return new McpSettings(v.duration(Settings.MCP_SESSION_TTL));
  }
}
