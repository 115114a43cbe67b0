package dev.ephyr.broker.mcp;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.tools.ResourceReader;
import dev.ephyr.broker.tools.ToolProvider;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Every capability's tools, in provider order: which a caller may see, and who runs a given name. */
final class ToolCatalog {
  private final List<ToolProvider> providers;

  ToolCatalog(List<ToolProvider> providers) {
    this.providers = List.copyOf(providers);
  }

  /** The provider of tool {@code name}, or null when no capability has it. */
  ToolProvider owner(String name) {
    for (ToolProvider p : providers) {
      if (p.owns(name)) {
        return p;
      }
    }
    return null;
  }

  /** The provider that reads resource {@code uri} (a federated server's), or null. */
  ResourceReader resourceReader(String uri) {
    for (ToolProvider p : providers) {
      if (p instanceof ResourceReader r && r.readsResource(uri)) {
        return r;
      }
    }
    return null;
  }

  /** The tool names {@code caller} may use; what its envelope and policy rule out is not shown. */
  List<String> visibleNames(Caller caller) {
    List<String> out = new ArrayList<>();
    for (ToolProvider p : providers) {
      for (JsonObject t : p.visible(caller)) {
        out.add(t.getString("name"));
      }
    }
    return out;
  }

  JsonArray visible(Caller caller) {
    JsonArray a = new JsonArray();
    for (ToolProvider p : providers) {
      p.visible(caller).forEach(a::add);
    }
    return a;
  }
}
