package dev.ephyr.broker.proxy;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.metrics.Family;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.broker.policy.CredentialAuth;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.SecretRef;
import dev.ephyr.broker.policy.ServicePolicy;
import dev.ephyr.protocol.verify.Verification;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Opens upstream requests for both fronts of the proxy (the {@code http_request} tool and the
 * {@code /v1/proxy} route): checks access, path and headers; resolves the service host and checks
 * <em>every</em> address against the {@link NetworkPolicy}; reads the credential (files are cached for two
 * seconds); both off the event loop unless the host is an address literal and the secret is in memory. Then
 * connects to the checked address itself (pinned, so DNS cannot change between check and connect) while
 * {@code Host}, SNI and certificate checks keep the service's host name. Redirects are never followed.
 */
public final class Upstream {
  /** Largest secret file read. */
  static final long MAX_SECRET_FILE = 64 * 1024;

  private final Vertx vertx;
  private final HttpClient byName;
  private final HttpClient byAddress;
  private final Supplier<Policy> policy;
  private final Map<String, String> environment;
  private final Family<Counter> requests;
  private final Family<Timer> upstreamTime;
  private final Duration dnsTimeout;
  private final Duration connectTimeout;
  private final SecretCache secrets = new SecretCache();
  private final MatcherCache matchers = new MatcherCache();

  /**
   * @param vertx the node's Vert.x
   * @param policy the current policy (read on every request)
   * @param environment where {@code secret_env} references are looked up (the process environment in a node)
   * @param metrics the node's metrics
   */
  public Upstream(Vertx vertx, Supplier<Policy> policy, Map<String, String> environment, Metrics metrics) {
    this(vertx, policy, environment, metrics, null);
  }

  /** As above, trusting {@code trust} instead of the JVM's default CAs (tests). */
  Upstream(Vertx vertx, Supplier<Policy> policy, Map<String, String> environment, Metrics metrics,
      TrustOptions trust) {
    Duration dnsTimeout = Duration.ofSeconds(5);
    Duration connectTimeout = Duration.ofSeconds(10);
    this.vertx = vertx;
    this.policy = policy;
    this.environment = Map.copyOf(environment);
    this.requests = metrics.counter(MeterCatalogue.PROXY_REQUESTS);
    this.upstreamTime = metrics.timer(MeterCatalogue.PROXY_UPSTREAM);
    this.dnsTimeout = dnsTimeout;
    this.connectTimeout = connectTimeout;
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setKeepAliveTimeout(30)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(32 * 1024)
        .setDecompressionSupported(false)
        .setVerifyHost(true)
        .setConnectTimeout((int) connectTimeout.toMillis());
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    this.byAddress = vertx.createHttpClient(new HttpClientOptions(options), new PoolOptions().setHttp1MaxSize(32));
    // The connection goes to the pinned address, so Vert.x would send no SNI; force the service's name.
    // Not for IP-literal hosts, where SNI must be absent (RFC 6066 §3).
    this.byName = vertx.createHttpClient(options.setForceSni(true), new PoolOptions().setHttp1MaxSize(32));
    // The redactor's spelling tables are built on first use (a few hundred ms cold): here, not on a loop.
    SecretMatcher.of(List.of("warm-up-secret"));
  }

  /** The current policy. */
  Policy policy() {
    return policy.get();
  }

  /**
   * A request that passed every check needing no I/O.
   *
   * @param service the service
   * @param method the HTTP method
   * @param target path and query
   * @param headers the agent's headers that may be sent
   * @param caller who asked, checked for revocation again once the connection stands
   */
  record Checked(ServicePolicy service, String method, RequestTarget target, MultiMap headers, Caller caller)
      implements Checking {}

  /** A request refused before any I/O. */
  record Rejected(Refusal refusal) implements Checking {}

  /** The outcome of {@link #check}. */
  sealed interface Checking permits Checked, Rejected {}

  /** Checks access, method, path and the agent's headers, against the policy as it is now. */
  Checking check(Caller caller, String service, String method, RequestTarget target,
      Iterable<Map.Entry<String, String>> agentHeaders) {
    Access.Decision d = Access.check(caller, policy.get(), service, method);
    if (d instanceof Access.Denied denied) {
      return new Rejected(denied.refusal());
    }
    ServicePolicy svc = ((Access.Allowed) d).service();
    boolean pathOk = false;
    for (String glob : svc.paths()) {
      pathOk |= PathGlob.matches(glob, target.decodedPath());
    }
    if (!pathOk) {
      return new Rejected(Refusal.of("path_not_allowed", 403, "path " + Access.clip(target.decodedPath())
          + " is outside service '" + svc.name() + "' (allowed: " + String.join(", ", svc.paths()) + ")"));
    }
    CredentialAuth auth = svc.auth();
    if (auth != null && auth.type() == CredentialAuth.Type.QUERY && target.rawQuery() != null) {
      for (String pair : target.rawQuery().split("&")) {
        String name = RequestTarget.decode(pair.split("=", 2)[0].replace('+', ' '));
        if (auth.name().equals(name)) {
          return new Rejected(Refusal.of("bad_request", 400, "query parameter '" + auth.name()
              + "' carries the service credential and is set by the broker; leave it out"));
        }
      }
    }
    return new Checked(svc, method, target, HeaderRules.outbound(agentHeaders, auth), caller);
  }

  /** An open upstream request and what its consumer needs to finish it. */
  final class Call {
    final HttpClientRequest request;
    final ServicePolicy service;
    final Redactor redactor;
    final long started;
    private final long timer;
    private boolean timedOut;
    private boolean done;
    /** Why the route cut the agent's connection, once it has (event loop only). */
    Refusal cut;

    private Call(HttpClientRequest request, ServicePolicy service, Redactor redactor, long started, long timer) {
      this.request = request;
      this.service = service;
      this.redactor = redactor;
      this.started = started;
      this.timer = timer;
    }

    /** Stops the deadline; call once the response is fully relayed or given up. */
    void finish() {
      if (!done) {
        done = true;
        vertx.cancelTimer(timer);
      }
    }

    /** Abandons the exchange: the connection is reset, so the service never sees a complete request. */
    void abort() {
      finish();
      request.reset();
    }

    boolean timedOut() {
      return timedOut;
    }

    /**
     * Why {@code response} cannot be relayed to the agent, or {@code null}: with a credential injected, only
     * bytes the redactor can read are relayed (see {@link HeaderRules#unreadableEncoding}).
     */
    Refusal unreadable(HttpClientResponse response) {
      int status = response.statusCode();
      if (service.auth() == null || request.getMethod() == HttpMethod.HEAD || status == 204 || status == 304
          || status < 200) {
        return null; // no credential to hide, or no body to carry it
      }
      String why = HeaderRules.unreadableEncoding(response.headers());
      return why == null ? null : Refusal.of("upstream_encoding", 502, "service '" + service.name()
          + "' answered with " + why + " although asked for plain bytes; an encoded answer cannot be checked "
          + "for the service's credential, so it is not relayed", why);
    }

    /** The refusal describing {@code failure} of this call (never quoting the credential). */
    Refusal failure(Throwable failure) {
      return describe(service, failure, timedOut, redactor);
    }
  }

  /**
   * Resolves, checks the addresses, reads the credential and opens the request (headers set, nothing sent).
   * A refusal fails the future with {@link RefusedException}. The whole exchange must finish within
   * {@code timeout}; after it the request is reset.
   */
  Future<Call> open(Checked checked, Context ctx, Duration timeout) {
    ServicePolicy svc = checked.service();
    long started = System.nanoTime();
    URI origin = svc.origin();
    String host = bare(origin.getHost());
    int port = ServiceUrl.port(origin);
    Future<Resolved> resolved;
    Resolved inMemory = isDottedQuadOrV6(host) ? inMemory(svc.auth()) : null;
    if (inMemory != null) {
      // Nothing here can block or take long (a literal address needs no lookup; the secret is in memory and
      // its matcher built): stay on the loop.
      try {
        resolved = Future.succeededFuture(new Resolved(address(svc, host), inMemory.secret, inMemory.matcher));
      } catch (RefusedException e) {
        resolved = Future.failedFuture(e);
      }
    } else {
      resolved = ctx.<Resolved>executeBlocking(() -> resolve(svc, host), false);
    }
    resolved = resolved.timeout(dnsTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof TimeoutException
            ? new RefusedException(Refusal.of("dns_failed", 502, "resolving service '" + svc.name() + "' timed out"))
            : e));
    return resolved.compose(r -> {
      Injection injection = Injection.of(svc.auth(), r.secret);
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(checked.headers());
      injection.applyHeaders(headers);
      RequestTarget t = checked.target();
      String query = injection.applyQuery(t.rawQuery());
      RequestOptions o = new RequestOptions()
          .setMethod(HttpMethod.valueOf(checked.method()))
          .setHost(host)
          .setPort(port)
          .setSsl(origin.getScheme().equals("https"))
          .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(r.address, port)))
          .setURI(query == null ? t.rawPath() : t.rawPath() + "?" + query)
          .setFollowRedirects(false)
          .setConnectTimeout(Math.min(timeout.toMillis(), connectTimeout.toMillis()))
          .setIdleTimeout(timeout.toMillis())
          .setHeaders(headers);
      Redactor redactor = Redactor.over(r.matcher);
      long remaining = Math.max(1, timeout.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      HttpClient client = isIpLiteral(host) ? byAddress : byName;
      return client.request(o)
          .recover(e -> Future.failedFuture(new RefusedException(describe(svc, e, false, redactor))))
          .compose(req -> {
            // Resolving and connecting were asynchronous: a revoke acknowledged meanwhile stops the request
            // before the credential leaves this node.
            Verification.Rejected gone = checked.caller().revoked();
            if (gone != null) {
              req.reset();
              return Future.failedFuture(new RefusedException(Refusal.of(gone.reason().code(), 401,
                  "the task or one of its ancestors was revoked; nothing was sent", gone.auditDetail())));
            }
            return Future.succeededFuture(req);
          })
          .map(req -> {
            Call[] call = new Call[1];
            long timer = vertx.setTimer(remaining, id -> {
              call[0].timedOut = true;
              call[0].done = true;
              req.reset();
            });
            call[0] = new Call(req, svc, redactor, started, timer);
            return call[0];
          });
    });
  }

  /**
   * What blocking resolution found: the address to pin, the secret and its matcher. No {@code toString} of the
   * secret.
   */
  private static final class Resolved {
    final InetAddress address;
    final String secret;
    final SecretMatcher matcher;

    Resolved(InetAddress address, String secret, SecretMatcher matcher) {
      this.address = address;
      this.secret = secret;
      this.matcher = matcher;
    }

    @Override
    public String toString() {
      return "Resolved[" + address + ", secret=redacted]";
    }
  }

  /** Runs on a worker thread: DNS, the network policy on every address, then the secret and its matcher. */
  private Resolved resolve(ServicePolicy svc, String host) {
    InetAddress address = address(svc, host);
    String secret = secret(svc);
    // Built once per credential value (slow, so here on a worker) and shared by every later request.
    return new Resolved(address, secret, secret == null ? SecretMatcher.none() : matchers.get(svc.auth(), secret));
  }

  /** The first address of {@code host}, every address checked against the network policy. */
  private static InetAddress address(ServicePolicy svc, String host) {
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new RefusedException(Refusal.of("dns_failed", 502, "the host of service '" + svc.name()
          + "' does not resolve", "unknown host " + host));
    }
    for (InetAddress a : all) {
      String why = NetworkPolicy.check(a, svc.allowPrivate());
      if (why != null) {
        throw new RefusedException(Refusal.of("address_denied", 403, "service '" + svc.name() + "' resolves to "
            + why + ", which the network policy refuses" + (svc.allowPrivate() ? ""
            : " (an internal service needs allow_private: true in the policy)"),
            host + " -> " + a.getHostAddress() + ": " + why));
      }
    }
    return all[0];
  }

  /**
   * The secret and its matcher when both are in memory (no file read, no matcher build needed), with no
   * address; {@code null} when the worker path must fetch them.
   */
  private Resolved inMemory(CredentialAuth auth) {
    if (auth == null) {
      return new Resolved(null, null, SecretMatcher.none());
    }
    SecretRef ref = auth.secret();
    String value;
    if (ref.env() != null) {
      try {
        value = ref.resolve(environment); // a map look-up, no I/O
      } catch (IOException e) {
        return null; // the worker path reports it
      }
    } else {
      value = secrets.fresh(ref);
    }
    // A matcher exists only for a value that passed the checks in secret() (it is built after them).
    SecretMatcher m = value == null ? null : matchers.peek(auth, value);
    return m == null ? null : new Resolved(null, value, m);
  }

  private String secret(ServicePolicy svc) {
    CredentialAuth auth = svc.auth();
    if (auth == null) {
      return null;
    }
    SecretRef ref = auth.secret();
    String value = secrets.fresh(ref);
    if (value != null) {
      return value;
    }
    try {
      if (ref.file() != null && Files.size(ref.file()) > MAX_SECRET_FILE) {
        throw new IOException(ref.describe() + " is larger than " + MAX_SECRET_FILE + " bytes");
      }
      value = ref.resolve(environment);
    } catch (IOException | RuntimeException e) {
      throw new RefusedException(Refusal.of("credential_unavailable", 502, "the credential of service '"
          + svc.name() + "' is not available; tell the operator",
          ref.describe() + ": " + e.getClass().getSimpleName()));
    }
    String why = Injection.problem(value);
    if (why != null) {
      throw new RefusedException(Refusal.of("credential_unavailable", 502, "the credential of service '"
          + svc.name() + "' is unusable; tell the operator", ref.describe() + ": " + why));
    }
    if (ref.file() != null) {
      secrets.put(ref, value);
    }
    return value;
  }

  private static Refusal describe(ServicePolicy svc, Throwable e, boolean timedOut, Redactor redactor) {
    if (e instanceof RefusedException r) {
      return r.refusal();
    }
    String detail = redactor.scrub(e.getClass().getSimpleName() + ": " + e.getMessage());
    if (timedOut) {
      return Refusal.of("upstream_timeout", 504, "service '" + svc.name() + "' did not answer in time", detail);
    }
    if (e instanceof ConnectException || e.getClass().getSimpleName().contains("Connect")) {
      return Refusal.of("upstream_unreachable", 502, "could not connect to service '" + svc.name() + "'", detail);
    }
    if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
      return Refusal.of("upstream_timeout", 504, "service '" + svc.name() + "' did not answer in time", detail);
    }
    if (e instanceof SSLException || (e.getCause() instanceof SSLException)) {
      return Refusal.of("upstream_tls", 502, "TLS with service '" + svc.name()
          + "' failed (certificate not trusted or not for this host)", detail);
    }
    return Refusal.of("upstream_error", 502, "the exchange with service '" + svc.name() + "' failed", detail);
  }

  /** Counts a finished request by service, front and outcome; unknown service names share one label. */
  void count(String front, String service, String outcome) {
    String label = service != null && policy.get().services().containsKey(service) ? service : "-";
    requests.get(label, front, outcome).increment();
  }

  /** Records the time to the upstream's response headers. */
  void observe(ServicePolicy svc, long startedNanos) {
    upstreamTime.get(svc.name()).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }

  /** Closes the client's connections. */
  public Future<Void> close() {
    return Future.join(byName.close(), byAddress.close()).mapEmpty();
  }

  /** A literal the resolver parses without any lookup: four dotted decimals, or IPv6. */
  private static boolean isDottedQuadOrV6(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      // Leading zeros are read as octal by some resolvers: let the worker path handle such oddities.
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')
          || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
