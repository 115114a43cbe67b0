package dev.ephyr.load;

import dev.ephyr.protocol.dpop.HolderKeyPair;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Delegation churn: each cycle creates a root task, delegates a child with a two-phase bind window, binds
 * the child to a fresh key with a DPoP proof, and revokes the root (acknowledged by every member). Every
 * step goes to a random node.
 */
final class ChurnScenario {
  private ChurnScenario() {}

  static JsonObject run(Workload w, NodeStats stats) {
    Recorder cycle = new Recorder("churn");
    Recorder create = new Recorder("churn.create");
    Recorder delegate = new Recorder("churn.delegate");
    Recorder bind = new Recorder("churn.bind");
    Recorder revoke = new Recorder("churn.revoke");
    for (Recorder r : new Recorder[] {create, delegate, bind, revoke}) {
      r.start(System.nanoTime());
    }
    int concurrency = Math.max(1, Math.min(8, w.options().concurrency()));
    stats.begin();
    long start = System.nanoTime();
    w.loop(concurrency).run(w.options().duration(), cycle, (node, due) -> {
      HolderKeyPair key = Workload.newKey();
      long[] t = {System.nanoTime()};
      String[] rootId = new String[1];
      return w.createTask(w.node(node), false, new JsonObject().put("can_delegate", true).put("max_depth", 2))
          .compose(root -> {
            rootId[0] = root.id();
            t[0] = step(create, t[0]);
            return w.client().delegate(w.randomNode(), root.token(),
                new JsonObject().put("description", "child").put("ttl", "10m").put("bind_within", 60));
          })
          .compose(child -> {
            t[0] = step(delegate, t[0]);
            return w.client().bind(w.randomNode(), child.getString("token"), key);
          })
          .compose(bound -> {
            t[0] = step(bind, t[0]);
            return w.client().revoke(w.randomNode(), w.apiKey(), rootId[0]);
          })
          .map(r -> {
            step(revoke, t[0]);
            return r.getBoolean("acknowledged_by_all", false) ? Outcome.OK : Outcome.refused("revoke_not_acknowledged");
          })
          .recover(e -> Future.succeededFuture(Outcome.refused(BrokerClient.code(e))));
    }).await();
    double seconds = (System.nanoTime() - start) / 1e9;
    long now = System.nanoTime();
    JsonObject steps = new JsonObject();
    for (Recorder r : new Recorder[] {create, delegate, bind, revoke}) {
      r.tick(now);
      JsonObject s = r.toJson(seconds);
      s.remove("intervals");
      steps.put(r.name().substring("churn.".length()), s);
    }
    return new JsonObject().put("scenario", "churn")
        .put("what", "create root, delegate child (bind window), bind child with DPoP, revoke root; random nodes")
        .put("seconds", Recorder.round(seconds)).put("nodes", w.nodes().size()).put("concurrency_per_node", concurrency)
        .put("result", cycle.toJson(seconds)).put("steps", steps).put("node_stats", stats.end(seconds));
  }

  private static long step(Recorder r, long since) {
    long now = System.nanoTime();
    r.record(Outcome.OK, (now - since) / 1000);
    return now;
  }
}
