package dev.ephyr.broker.federation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listed names of every discovered federated tool, across remotes, with collisions found: a name two
 * tools would share belongs to neither (refused, and logged once per catalogue change), so one name never
 * reaches two tools. Rebuilt only when some remote's catalogue changed; a collision is logged when it appears.
 */
final class ListedNames {
  private static final Logger LOG = LoggerFactory.getLogger(ListedNames.class);

  /** A resolution of a name: the tool, or the collision that made the name unusable. */
  record Index(List<Catalogue> from, Map<String, RemoteTool> tools, Map<String, String> collisions) {}

  private volatile Index index = new Index(List.of(), Map.of(), Map.of());

  /** The index over {@code catalogues} (in policy order; nulls for remotes not reached). */
  Index over(List<Catalogue> catalogues) {
    Index current = index;
    if (sameCatalogues(current.from(), catalogues)) {
      return current;
    }
    Map<String, RemoteTool> tools = new HashMap<>();
    Map<String, String> collisions = new HashMap<>();
    for (Catalogue c : catalogues) {
      if (c == null) {
        continue;
      }
      for (RemoteTool t : c.all()) {
        String name = t.listed();
        if (collisions.containsKey(name)) {
          collisions.put(name, collisions.get(name) + ", " + t.qualified());
          continue;
        }
        RemoteTool other = tools.putIfAbsent(name, t);
        if (other != null) {
          tools.remove(name);
          collisions.put(name, other.qualified() + ", " + t.qualified());
        }
      }
    }
    for (Map.Entry<String, String> e : collisions.entrySet()) {
      if (e.getValue().equals(current.collisions().get(e.getKey()))) {
        continue; // said already, at the last change
      }
      LOG.warn("federation: tool name {} would stand for more than one remote tool ({}); refused for all of them",
          e.getKey(), e.getValue());
    }
    Index next = new Index(List.copyOf(catalogues.stream().map(c -> c == null ? Catalogue.NONE : c).toList()),
        Map.copyOf(tools), Map.copyOf(collisions));
    index = next;
    return next;
  }

  private static boolean sameCatalogues(List<Catalogue> a, List<Catalogue> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Catalogue x = b.get(i) == null ? Catalogue.NONE : b.get(i);
      if (a.get(i) != x) {
        return false;
      }
    }
    return true;
  }
}
