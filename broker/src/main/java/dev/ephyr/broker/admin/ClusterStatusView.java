package dev.ephyr.broker.admin;

import dev.ephyr.cluster.ClusterStatus;
import dev.ephyr.cluster.MemberView;
import dev.ephyr.cluster.Mismatch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cluster status as the admin API answers it: this node's view of membership and quorum, plus what each
 * member says about itself now (readiness, policy hash in force, keyring fingerprint, watermarks, audit).
 * The policy hash each node reports live is compared; {@code mismatches} is the cluster's own drift check
 * (the one its log reports), which reads the hash each member published at its last reload.
 */
final class ClusterStatusView {
  private ClusterStatusView() {}

  static JsonObject render(String self, ClusterStatus cs, List<JsonObject> nodes) {
    Map<String, MemberView> members = new HashMap<>();
    for (MemberView m : cs.members()) {
      members.put(m.nodeId(), m);
    }
    String policy = majority(nodes, "policy_hash");
    // Drift comes from the cluster's own check (what the log reports), so the two never disagree.
    java.util.Set<String> drifting = new java.util.HashSet<>();
    for (Mismatch mm : cs.mismatches()) {
      if (mm.kind() == Mismatch.Kind.POLICY) {
        drifting.add(mm.nodeId());
      }
    }
    String keyring = majority(nodes, "keyring_fingerprint");
    JsonArray out = new JsonArray();
    boolean policyAgrees = true;
    boolean keyringAgrees = true;
    int ready = 0;
    for (JsonObject n : nodes) {
      JsonObject o = n.copy();
      MemberView m = members.get(n.getString("node"));
      if (m != null) {
        o.put("address", m.address()).put("local", m.local());
      }
      if (!n.containsKey("error")) {
        boolean pd = drifting.contains(n.getString("node"));
        boolean kd = keyring != null && !keyring.equals(n.getString("keyring_fingerprint"));
        o.put("policy_drift", pd).put("keyring_mismatch", kd);
        policyAgrees &= !pd;
        keyringAgrees &= !kd;
        if (Boolean.TRUE.equals(n.getValue("ready"))) {
          ready++;
        }
      }
      out.add(o);
    }
    JsonArray mismatches = new JsonArray();
    for (Mismatch mm : cs.mismatches()) {
      mismatches.add(new JsonObject().put("node", mm.nodeId()).put("kind", mm.kind().name().toLowerCase(Locale.ROOT))
          .put("expected", mm.expected()).put("actual", mm.actual()));
    }
    return new JsonObject()
        .put("answered_by", self)
        .put("state", cs.readiness().state().name().toLowerCase(Locale.ROOT))
        .put("detail", cs.readiness().detail())
        .put("members", cs.members().size())
        .put("quorum", cs.quorum())
        .put("quorum_present", cs.members().size() >= cs.quorum())
        .put("ready_nodes", ready)
        .put("policy_hash", policy)
        .put("policy_hashes_agree", policyAgrees)
        .put("keyring_fingerprint", keyring)
        .put("keyring_fingerprints_agree", keyringAgrees)
        .put("mismatches", mismatches)
        .put("nodes", out);
  }

  /** The value most nodes report (ties: the first seen), or null when none reports one. */
  private static String majority(List<JsonObject> nodes, String key) {
    Map<String, Integer> counts = new HashMap<>();
    String best = null;
    int bestCount = 0;
    for (JsonObject n : nodes) {
      if (n.getValue(key) instanceof String v) {
        int c = counts.merge(v, 1, Integer::sum);
        if (c > bestCount) {
          best = v;
          bestCount = c;
        }
      }
    }
    return best;
  }
}
