package dev.ephyr.broker.admin;

import dev.ephyr.broker.audit.AuditQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Merges per-node audit answers into one time-ordered list of at most {@code limit} records (the latest). */
final class AuditMerge {
  private AuditMerge() {}

  static JsonObject merge(List<JsonObject> nodes, int limit) {
    List<JsonObject> all = new ArrayList<>();
    JsonArray summary = new JsonArray();
    boolean truncated = false;
    boolean partial = false;
    for (JsonObject n : nodes) {
      JsonObject s = new JsonObject().put("node", n.getString("node"));
      if (n.containsKey("error")) {
        partial = true;
        s.put("error", n.getString("error")).put("message", n.getString("message", ""));
      } else {
        JsonArray recs = n.getJsonArray("records", new JsonArray());
        for (Object r : recs) {
          if (r instanceof JsonObject o) {
            all.add(o);
          }
        }
        boolean t = Boolean.TRUE.equals(n.getValue("truncated"));
        truncated |= t;
        s.put("records", recs.size()).put("truncated", t).put("scanned", n.getValue("scanned"));
      }
      summary.add(s);
    }
    all.sort(AuditQuery.ORDER);
    if (all.size() > limit) {
      all = all.subList(all.size() - limit, all.size());
      truncated = true;
    }
    return new JsonObject().put("records", new JsonArray(new ArrayList<>(all))).put("count", all.size())
        .put("truncated", truncated).put("partial", partial).put("nodes", summary);
  }
}
