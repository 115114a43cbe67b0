package dev.ephyr.broker.federation;

import io.vertx.core.json.JsonObject;

/**
 * One tool of a remote, as the broker lists it.
 *
 * @param remote the remote's name
 * @param name the tool's name at the remote
 * @param descriptor the MCP tool descriptor under the namespaced name {@code remote.name} (never mutated)
 */
record RemoteTool(String remote, String name, JsonObject descriptor) {
  /** The namespaced name agents use. */
  String qualified() {
    return remote + "." + name;
  }
}
