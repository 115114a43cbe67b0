package dev.ephyr.broker.admin;

import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.policy.AdminPolicy;
import dev.ephyr.broker.policy.Policy;
import io.vertx.core.json.JsonObject;

/**
 * What one node tells another when it fans an admin operation out: "admin X was checked by me, now, for
 * operation O on your node", sealed ({@link BusSeal}: keyring-derived key, timestamp, single use, bound to the
 * receiving node's address). It replaces the operator's credential, which never leaves the node it was
 * presented to.
 *
 * <pre>{"admin": "alice", "op": "audit-query", "request_id": "n1-42", "remote": "10.0.0.5", "args": {...}}</pre>
 */
final class AdminAssertion {
  private AdminAssertion() {}

  /** The outcome of opening an assertion. */
  sealed interface Checked {
    /** Authentic and fresh, for an admin this node's policy still has. */
    record Accepted(AdminPolicy admin, AdminCall call, Opened.Ok request) implements Checked {}

    /** Refused; {@code why} is for the audit record and the (bus) caller. */
    record Refused(String why) implements Checked {}
  }

  /** The sealed assertion that {@code admin} (already checked here) asks {@code op} at {@code address}. */
  static JsonObject seal(BusSeal bus, String address, String op, AdminPolicy admin, AdminCall call, JsonObject args) {
    JsonObject a = new JsonObject().put("admin", admin.name()).put("op", op).put("args", args);
    if (call.requestId() != null) {
      a.put("request_id", call.requestId());
    }
    if (call.remote() != null) {
      a.put("remote", call.remote());
    }
    return bus.seal(address, a);
  }

  /** Opens an assertion that arrived at {@code address} (this node's {@code op}), against {@code policy}. */
  static Checked open(BusSeal bus, String address, String op, Object message, Policy policy) {
    Opened o = bus.open(address, message);
    if (o instanceof Opened.Refused r) {
      return new Checked.Refused("not a sealed admin assertion from a node of this cluster (" + r.code() + ")");
    }
    Opened.Ok ok = (Opened.Ok) o;
    JsonObject b = ok.body();
    if (!(b.getValue("admin") instanceof String name) || !op.equals(b.getValue("op"))
        || !(b.getValue("args") instanceof JsonObject args)) {
      return new Checked.Refused("the admin assertion from node " + ok.from() + " is malformed");
    }
    // The name is only trusted because a keyring holder sealed it; the admin must still be in our policy.
    AdminPolicy admin = policy.admins().get(name);
    if (admin == null) {
      return new Checked.Refused("admin '" + clip(name) + "' (checked by node " + clip(ok.from())
          + ") is not in this node's policy");
    }
    String request = b.getValue("request_id") instanceof String s && s.length() <= AdminCall.MAX_ID ? s : null;
    String remote = b.getValue("remote") instanceof String s && s.length() <= AdminCall.MAX_ID ? s : null;
    return new Checked.Accepted(admin, new AdminCall(null, request, remote, args), ok);
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}
