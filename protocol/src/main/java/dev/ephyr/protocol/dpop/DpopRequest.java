package dev.ephyr.protocol.dpop;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the request looked like, to check a proof against.
 *
 * @param method the HTTP method exactly as received, e.g. {@code POST}
 * @param url the configured public URL of the endpoint (not the Host header); query and fragment are ignored
 * @param accessToken the exact token text the request carried (its SHA-256 must equal the proof's {@code ath})
 * @param body the request body, or {@code null} when there is none; read, never modified or retained
 * @param expectedJkt thumbprint of the holder key the token is bound to; a proof by any other key is refused.
 *     {@code null} only while binding a key (see {@link #forBinding}): {@link DpopVerifier#verify} refuses such
 *     a request, and only {@link DpopVerifier#verifyBinding} accepts a proof by whatever key signed it
 */
public record DpopRequest(String method, String url, String accessToken, byte[] body, String expectedJkt) {
  /** Checks the required parts are present. */
  public DpopRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(accessToken, "accessToken");
  }

  /**
   * A request that binds the key signing its proof to a task ({@code task_bind}): no key is expected yet,
   * so only {@link DpopVerifier#verifyBinding} accepts it, and its {@link DpopCheck.Valid#jkt()} names the key.
   */
  public static DpopRequest forBinding(String method, String url, String accessToken, byte[] body) {
    return new DpopRequest(method, url, accessToken, body, null);
  }

  /** A request without a body. */
  public static DpopRequest withoutBody(String method, String url, String accessToken, String expectedJkt) {
    return new DpopRequest(method, url, accessToken, null, expectedJkt);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DpopRequest)) {
      return false;
    }
    DpopRequest r = (DpopRequest) o;
    return method.equals(r.method) && url.equals(r.url) && accessToken.equals(r.accessToken)
        && Arrays.equals(body, r.body) && Objects.equals(expectedJkt, r.expectedJkt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(method, url, accessToken, Arrays.hashCode(body), expectedJkt);
  }

  /** Redacts the access token, which is a bearer secret until the proof is checked. */
  @Override
  public String toString() {
    return "DpopRequest[method=" + method + ", url=" + url + ", accessToken=redacted, body="
        + (body == null ? "none" : body.length + " bytes") + ", expectedJkt="
        + (expectedJkt == null ? "none (binding)" : expectedJkt) + "]";
  }
}
