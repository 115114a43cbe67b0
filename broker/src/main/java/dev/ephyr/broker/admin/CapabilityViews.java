package dev.ephyr.broker.admin;

import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.ServicePolicy;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What operators may see of the other capabilities: HTTP services, federated remotes and issued SSH
 * certificates. Never a secret: services show how they authenticate, not with what.
 *
 * @param services the services of the policy in force
 * @param remotes every remote with its discovery status
 * @param certs certificates issued recently (cluster-wide)
 */
public record CapabilityViews(Supplier<JsonArray> services, Supplier<JsonArray> remotes,
    Supplier<Future<JsonArray>> certs) {

  /** The services of {@code policy} as operators see them. */
  public static JsonArray services(Policy policy) {
    JsonArray out = new JsonArray();
    for (ServicePolicy s : new TreeMap<>(policy.services()).values()) {
      out.add(new JsonObject().put("name", s.name()).put("origin", s.origin().toString())
          .put("methods", String.join(",", new java.util.TreeSet<>(s.methods())))
          .put("paths", String.join(" ", s.paths()))
          .put("auth", s.auth() == null ? "none" : s.auth().type().toString().toLowerCase(java.util.Locale.ROOT))
          .put("allow_private", s.allowPrivate()));
    }
    return out;
  }
}
