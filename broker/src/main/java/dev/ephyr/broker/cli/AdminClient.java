package dev.ephyr.broker.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The CLI side of the admin API: JSON over HTTP to a node's {@code /admin/...} with the credential in the
 * {@code Authorization} header (never in the URL or argv). Runs on the CLI's own thread (blocking is fine
 * here; there is no event loop). Errors become one clear line.
 */
final class AdminClient {
  static final String URL_ENV = "EPHYR_ADMIN_URL";
  static final String KEY_ENV = "EPHYR_ADMIN_KEY";
  static final String KEY_FILE_ENV = "EPHYR_ADMIN_KEY_FILE";
  static final String DEFAULT_URL = "http://127.0.0.1:8554";
  private static final int MAX_RESPONSE = 16 * 1024 * 1024;

  private final String base;
  private final String credential;
  private final Duration timeout;
  private final HttpClient http;

  private AdminClient(String base, String credential, Duration timeout) {
    this.base = base;
    this.credential = credential;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** A client from {@code --url}/{@code --key-file}/{@code --timeout} and the environment. */
  static AdminClient from(String command, Args args, Io io) throws CliException {
    String url = args.option("--url", io.env().getOrDefault(URL_ENV, DEFAULT_URL)).trim();
    if (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(command, "--url must be a URL like http://127.0.0.1:8554");
    }
    if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
        || u.getHost() == null || u.getRawQuery() != null || u.getRawUserInfo() != null) {
      throw CliException.usage(command, "--url must be http(s)://host:port without user info or query");
    }
    Duration timeout = Duration.ofSeconds(30);
    if (args.option("--timeout") != null) {
      try {
        long s = Long.parseLong(args.option("--timeout"));
        if (s < 1 || s > 600) {
          throw new NumberFormatException();
        }
        timeout = Duration.ofSeconds(s);
      } catch (NumberFormatException e) {
        throw CliException.usage(command, "--timeout must be 1-600 seconds");
      }
    }
    return new AdminClient(url, credential(command, args, io), timeout);
  }

  /** The credential: {@code --key-file}, else {@code EPHYR_ADMIN_KEY_FILE}, else {@code EPHYR_ADMIN_KEY}. */
  private static String credential(String command, Args args, Io io) throws CliException {
    String file = args.option("--key-file", io.env().get(KEY_FILE_ENV));
    if (file != null) {
      Path p = io.path(file);
      String v = new String(SecureFiles.read(p, 4096), StandardCharsets.UTF_8).trim();
      if (SecureFiles.exposed(p)) {
        io.err().println("warning: " + p + " is readable or writable by others; run: chmod 600 " + p);
      }
      if (v.isEmpty()) {
        throw CliException.failed(p + " is empty; it should hold the admin credential (ek_...)");
      }
      return v;
    }
    String env = io.env().get(KEY_ENV);
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    throw CliException.usage(command, "no admin credential: set " + KEY_ENV + ", or " + KEY_FILE_ENV
        + " / --key-file FILE (mode 0600); create one with 'ephyr admin key --admin NAME'");
  }

  JsonObject get(String path, Map<String, String> query) throws CliException {
    return send(HttpRequest.newBuilder(uri(path, query)).GET());
  }

  JsonObject post(String path, JsonObject body) throws CliException {
    return send(HttpRequest.newBuilder(uri(path, Map.of()))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private URI uri(String path, Map<String, String> query) {
    StringBuilder b = new StringBuilder(base).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : query.entrySet()) {
      if (e.getValue() != null) {
        b.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        sep = '&';
      }
    }
    return URI.create(b.toString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private JsonObject send(HttpRequest.Builder req) throws CliException {
    HttpRequest r = req.timeout(timeout).header("Authorization", "Bearer " + credential)
        .header("Accept", "application/json").build();
    HttpResponse<byte[]> res;
    try {
      res = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw CliException.failed("cannot connect to " + base + " (is a node running there? set --url or "
          + URL_ENV + ")");
    } catch (HttpTimeoutException e) {
      throw CliException.failed(base + " did not answer within " + timeout.getSeconds() + " s");
    } catch (IOException e) {
      throw CliException.failed("request to " + base + " failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted");
    }
    byte[] body = res.body();
    if (body.length > MAX_RESPONSE) {
      throw CliException.failed("the answer is larger than " + MAX_RESPONSE + " bytes");
    }
    JsonObject json;
    try {
      json = new JsonObject(new String(body, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw CliException.failed(base + " answered HTTP " + res.statusCode() + " without JSON (is this an ephyr node?)");
    }
    if (res.statusCode() != 200) {
      String code = json.getString("error", "error");
      String msg = json.getString("message", "");
      String hint = res.statusCode() == 401 ? " (check " + KEY_ENV + " / the key file, and that its hash is under "
          + "admins: in the policy of the node you call)" : "";
      throw CliException.failed(code + " (HTTP " + res.statusCode() + "): " + msg + hint);
    }
    return json;
  }
}
