package dev.ephyr.protocol.verify;

import java.util.Objects;

/**
 * What the verifier needs to know about the request a token arrived with: its method and public URL
 * (for the proof's {@code htm}/{@code htu}), the {@code DPoP} header if any, the body (for {@code bh}) and
 * the purpose. Immutable; the body array is not copied — the caller must not change it.
 */
public final class RequestFacts {
  private final String method;
  private final String url;
  private final String proof;
  private final byte[] body;
  private final Purpose purpose;

  private RequestFacts(Builder b) {
    this.method = b.method;
    this.url = b.url;
    this.proof = b.proof;
    this.body = b.body;
    this.purpose = b.purpose;
  }

  /** A builder; method and URL are required. */
  public static Builder builder(String method, String publicUrl) {
    return new Builder(method, publicUrl);
  }

  /** HTTP method. */
  public String method() {
    return method;
  }

  /** The public URL of the endpoint (what {@code htu} must name). */
  public String url() {
    return url;
  }

  /** The {@code DPoP} header, or {@code null}. */
  public String proof() {
    return proof;
  }

  /** The request body, or {@code null}. */
  byte[] body() {
    return body;
  }

  /** The purpose. */
  public Purpose purpose() {
    return purpose;
  }

  @Override
  public String toString() {
    return "RequestFacts[" + method + " " + url + ", proof=" + (proof == null ? "none" : "present")
        + ", body=" + (body == null ? 0 : body.length) + " bytes, purpose=" + purpose + "]";
  }

  /** Builds request facts. */
  public static final class Builder {
    private final String method;
    private final String url;
    private String proof;
    private byte[] body;
    private Purpose purpose = Purpose.USE;

    private Builder(String method, String url) {
      this.method = Objects.requireNonNull(method, "method");
      this.url = Objects.requireNonNull(url, "url");
    }

    /** The {@code DPoP} header value, if the request carried one. */
    public Builder proof(String dpopHeader) {
      this.proof = dpopHeader;
      return this;
    }

    /** The request body, if any. */
    public Builder body(byte[] body) {
      this.body = body;
      return this;
    }

    /** The purpose (default {@link Purpose#USE}). */
    public Builder purpose(Purpose purpose) {
      this.purpose = Objects.requireNonNull(purpose);
      return this;
    }

    /** The facts. */
    public RequestFacts build() {
      return new RequestFacts(this);
    }
  }
}
