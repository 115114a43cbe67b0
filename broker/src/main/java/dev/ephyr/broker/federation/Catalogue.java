package dev.ephyr.broker.federation;

import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A remote's tools as last discovered, by name at the remote, in the remote's order.
 *
 * @param tools the tools kept (unmodifiable, ordered)
 * @param dropped how many the remote listed that were dropped (bad name or schema, duplicate, over a bound)
 * @param truncated whether discovery stopped at a bound (page or tool count) before the list ended
 * @param protocolVersion the protocol version negotiated with the remote
 * @param refreshedAt when it was discovered
 */
record Catalogue(Map<String, RemoteTool> tools, int dropped, boolean truncated, String protocolVersion,
    Instant refreshedAt) {

  /** No catalogue (a remote not reached yet). */
  static final Catalogue NONE = new Catalogue(Map.of(), 0, false, null, Instant.EPOCH);

  Catalogue {
    tools = Collections.unmodifiableMap(new LinkedHashMap<>(tools));
  }

  /** The tool named {@code name} at the remote, or null. */
  RemoteTool tool(String name) {
    return tools.get(name);
  }

  /** Every tool, in the remote's order. */
  Collection<RemoteTool> all() {
    return tools.values();
  }
}
