package dev.ephyr.broker.federation;

import io.vertx.core.json.JsonObject;

/**
 * One tool of a remote, as the broker lists it.
 *
 * @param remote the remote's name
 * @param name the tool's name at the remote
 * @param listed the name agents see ({@link FederatedNames#listed})
 * @param descriptor the MCP tool descriptor under the listed name (never mutated)
 */
record RemoteTool(String remote, String name, String listed, JsonObject descriptor) {
  /** The old dotted name, accepted in calls as a deprecated alias. */
  String qualified() {
    return remote + "." + name;
  }

  /** The listed name after {@code remote__}, or null when shortening cut into the remote's name. */
  String listedTool() {
    String prefix = remote + FederatedNames.SEPARATOR;
    return listed.startsWith(prefix) ? listed.substring(prefix.length()) : null;
  }
}
