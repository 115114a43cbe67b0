package dev.ephyr.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Normalises a node address to its MCP endpoint URL: absolute http(s), no user info or query, {@code /mcp} by default. */
public final class McpUrl {
  private McpUrl() {}

  /**
   * {@code text} as an MCP endpoint URL; a bare origin ({@code http://host:port}) gets {@code /mcp}.
   *
   * @throws ClientException if it is not an absolute http(s) URL without user info, query or fragment
   */
  public static String of(String text) throws ClientException {
    URI u;
    try {
      u = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new ClientException("not a URL: '" + text + "'");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
      throw new ClientException("'" + text + "' must be an absolute http:// or https:// URL of a node");
    }
    if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new ClientException("'" + text + "' must not carry user info, a query or a fragment");
    }
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/") ? "/mcp"
        : u.getRawPath();
    return scheme + "://" + u.getRawAuthority() + path;
  }
}
