package dev.ephyr.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The front HTTP server's settings ({@code http.*}).
 *
 * @param host interface to listen on
 * @param port port to listen on (0 = a free one)
 * @param publicUrl the URL agents use (scheme, host, port; no trailing slash), if configured
 * @param tlsCert TLS certificate chain (PEM), if TLS is on
 * @param tlsKey TLS private key (PEM), if TLS is on
 * @param allowedOrigins browser origins allowed (requests without {@code Origin} always are)
 * @param bodyLimit largest accepted request body in bytes
 * @param maxHeaderSize largest accepted header block in bytes
 * @param instances front verticle instances (0 = one per event loop)
 * @param idleTimeout idle connection timeout
 * @param requestTimeout upper bound on handling one request
 */
public record HttpSettings(String host, int port, Optional<String> publicUrl, Optional<Path> tlsCert,
    Optional<Path> tlsKey, List<String> allowedOrigins, long bodyLimit, int maxHeaderSize, int instances,
    Duration idleTimeout, Duration requestTimeout) {

  static HttpSettings read(Values v) {
    HttpSettings h = new HttpSettings(v.text(Settings.HTTP_HOST), v.integer(Settings.HTTP_PORT),
        v.optionalText(Settings.HTTP_PUBLIC_URL), v.file(Settings.HTTP_TLS_CERT), v.file(Settings.HTTP_TLS_KEY),
        v.list(Settings.HTTP_ALLOWED_ORIGINS), v.bytes(Settings.HTTP_BODY_LIMIT),
        v.integer(Settings.HTTP_MAX_HEADER_SIZE), v.integer(Settings.HTTP_INSTANCES),
        v.duration(Settings.HTTP_IDLE_TIMEOUT), v.duration(Settings.HTTP_REQUEST_TIMEOUT));
    if (h.tlsCert.isPresent() != h.tlsKey.isPresent()) {
      v.problem(h.tlsCert.isPresent() ? Settings.HTTP_TLS_CERT : Settings.HTTP_TLS_KEY,
          "http.tls-cert and http.tls-key must be set together");
    }
    return h;
  }

  /**
   * The base URL agents reach this node at, as DPoP {@code htu} names it: {@code http.public-url} when set,
   * else the listen address and {@code port} (a wildcard host becomes {@code 127.0.0.1}).
   */
  public String baseUrl(int port) {
    return publicUrl.orElseGet(() -> {
      String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
      return (tlsCert.isPresent() ? "https" : "http") + "://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    });
  }
}
