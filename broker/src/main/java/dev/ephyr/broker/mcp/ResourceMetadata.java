package dev.ephyr.broker.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;

/**
 * The OAuth 2.0 Protected Resource Metadata (RFC 9728) of the MCP endpoint: what a client may learn before
 * it has a credential. Truthful for a broker whose credentials are agent API keys and task tokens: it names
 * the resource, how to send the credential ({@code Authorization} header, Bearer or DPoP with EdDSA) and no
 * authorization server, because there is none to send a person to (credentials come from an operator or from
 * {@code task_create}, as the 401 message says).
 *
 * @param resource the public URL of the MCP endpoint
 * @param url where the document is served (the path-suffixed well-known URL of {@code resource})
 */
public record ResourceMetadata(String resource, String url) {
  /** The well-known prefix. */
  public static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

  /** The metadata of the endpoint at {@code publicBase} + {@code path}. */
  public static ResourceMetadata of(String publicBase, String path) {
    String resource = publicBase + path;
    URI u = URI.create(resource);
    String origin = u.getScheme() + "://" + u.getRawAuthority();
    return new ResourceMetadata(resource, origin + WELL_KNOWN + u.getRawPath());
  }

  /** The document. */
  JsonObject document() {
    return new JsonObject()
        .put("resource", resource)
        .put("resource_name", "Ephyr MCP endpoint")
        .put("bearer_methods_supported", new JsonArray().add("header"))
        .put("dpop_signing_alg_values_supported", new JsonArray().add("EdDSA"));
  }
}
