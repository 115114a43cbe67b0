package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The MCP endpoint's settings ({@code mcp.*}).
 *
 * @param sessionTtl how long an MCP session may go unused before it expires (each use extends it)
 * @param sessionMaxAge how long after it began a session ends, however much it is used
 */
public record McpSettings(Duration sessionTtl, Duration sessionMaxAge) {

  static McpSettings read(Values v) {
    McpSettings s = new McpSettings(v.duration(Settings.MCP_SESSION_TTL), v.duration(Settings.MCP_SESSION_MAX_AGE));
    if (s.sessionMaxAge.compareTo(s.sessionTtl) < 0) {
      v.problem(Settings.MCP_SESSION_MAX_AGE, "mcp.session-max-age must be at least mcp.session-ttl");
    }
    return s;
  }
}
