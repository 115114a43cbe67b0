package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.map.impl.InterceptorRegistry;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.MapServiceContext;
import java.util.List;

/**
 * Installs the {@link StateGuard}s on this member, locally, and puts them back if anyone removed them (a
 * joined member can send {@code removeInterceptor} to everyone: open-source Hazelcast does not authenticate
 * members). Local installation means every honest member guards the partitions it owns by itself.
 */
final class StateGuards {

  private record Installed(String map, String id, StateGuard guard) {}

  /** Bound on guard copies in one map's chain, however often a name is removed and put back. */
  static final int MAX_COPIES = 3;

  private final MapServiceContext maps;
  private final List<Installed> guards;

  StateGuards(HazelcastInstance hz) {
    HazelcastInstance original = hz instanceof HazelcastInstanceProxy p ? p.getOriginal() : hz;
    MapService service = ((com.hazelcast.instance.impl.HazelcastInstanceImpl) original).node.getNodeEngine()
        .getService(MapService.SERVICE_NAME);
    this.maps = service.getMapServiceContext();
    this.guards = List.of(installed(WatermarkStore.MAP_NAME, new StateGuard(StateGuard.Kind.WATERMARKS)),
        installed(TaskRegistry.MAP_NAME, new StateGuard(StateGuard.Kind.TASKS)),
        installed(SerialGenerator.MAP_NAME, new StateGuard(StateGuard.Kind.SERIALS)),
        installed(ReplayCache.MAP_NAME, new StateGuard(StateGuard.Kind.REPLAY)));
  }

  private Installed installed(String map, StateGuard guard) {
    return new Installed(map, maps.generateInterceptorId(map, guard), guard);
  }

  /**
   * Installs every guard whose name is missing; cheap (a map lookup per guard). A removal by name leaves the
   * guard in the interception chain (see {@link StateGuard#equals}); putting the name back keeps the guard
   * travelling to members that join later, and the chain holds at most {@link #MAX_COPIES} copies.
   */
  int ensure() {
    int added = 0;
    for (Installed g : guards) {
      InterceptorRegistry registry = maps.getMapContainer(g.map()).getInterceptorRegistry();
      if (registry.getId2InterceptorMap().containsKey(g.id())) {
        continue;
      }
      long copies = registry.getInterceptors().stream()
          .filter(i -> i instanceof StateGuard s && s.kind() == g.guard().kind()).count();
      if (copies < MAX_COPIES) {
        maps.addInterceptor(g.id(), g.map(), g.guard());
        added++;
      }
    }
    return added;
  }
}
