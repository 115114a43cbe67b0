package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The MCP endpoint's settings ({@code mcp.*}).
 *
 * @param sessionTtl how long an MCP session may go unused before it expires (each use extends it)
 * @param sessionMaxAge how long after it began a session ends, however much it is used
 * @param progressInterval the gap between progress heartbeats of a streamed tool call
 */
public record McpSettings(Duration sessionTtl, Duration sessionMaxAge, Duration progressInterval) {

  static McpSettings read(Values v) {
    McpSettings s = new McpSettings(v.duration(Settings.MCP_SESSION_TTL), v.duration(Settings.MCP_SESSION_MAX_AGE),
        v.duration(Settings.MCP_PROGRESS_INTERVAL));
    if (s.sessionMaxAge.compareTo(s.sessionTtl) < 0) {
      v.problem(Settings.MCP_SESSION_MAX_AGE, "mcp.session-max-age must be at least mcp.session-ttl");
    }
    return s;
  }
}
