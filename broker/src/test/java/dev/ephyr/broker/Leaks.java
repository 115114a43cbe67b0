package dev.ephyr.broker;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The {@code /leak/} answers of {@link ProxyUpstream}: a service that gives back the credential it received
 * in every way a careless one does, and the spellings the tests look for.
 */
final class Leaks {
  private Leaks() {}

  /** The credential as the service received it: bearer, Basic password, {@code X-Api-Key} or the query token. */
  static String credential(HttpServerRequest req) {
    String auth = req.getHeader("Authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      return auth.substring(7);
    }
    if (auth != null && auth.startsWith("Basic ")) {
      String pair = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
      return pair.substring(pair.indexOf(':') + 1);
    }
    if (req.getHeader("X-Api-Key") != null) {
      return req.getHeader("X-Api-Key");
    }
    return String.valueOf(req.getParam("access_token"));
  }

  /** Spellings of {@code secret} a reflecting service may produce, by name. */
  static Map<String, String> spellings(String secret) {
    byte[] b = secret.getBytes(StandardCharsets.UTF_8);
    Map<String, String> out = new LinkedHashMap<>();
    out.put("raw", secret);
    out.put("upper", secret.toUpperCase(Locale.ROOT));
    out.put("form", java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8));
    out.put("pct-lower", each(b, "%%%02x"));
    out.put("pct-twice", each(b, "%%25%02X"));
    out.put("json-u", each(b, "\\u%04x"));
    out.put("json-slash", secret.replace("/", "\\/"));
    out.put("html-dec", each(b, "&#%d;"));
    out.put("html-hex", each(b, "&#x%X;"));
    out.put("hex-lower", HexFormat.of().formatHex(b));
    out.put("hex-upper", HexFormat.of().withUpperCase().formatHex(b));
    for (String pad : new String[] {"", "x", "xy"}) {
      byte[] blob = (pad + secret + "!").getBytes(StandardCharsets.UTF_8);
      out.put("base64+" + pad.length(), Base64.getEncoder().encodeToString(blob));
      out.put("base64url+" + pad.length(), Base64.getUrlEncoder().withoutPadding().encodeToString(blob));
    }
    // Mixed within one occurrence: a JSON encoder escaping some characters of a URL-encoded value.
    out.put("mixed", java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("%", "\\u0025"));
    return out;
  }

  private static String each(byte[] b, String format) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format(Locale.ROOT, format, x & 0xff));
    }
    return s.toString();
  }

  static void answer(HttpServerRequest req, Buffer body) {
    String secret = credential(req);
    HttpServerResponse res = req.response();
    String text = "credential: " + secret + "\n";
    String accept = String.valueOf(req.getHeader("Accept-Encoding"));
    switch (req.path()) {
      case "/leak/compressed" -> {
        if (accept.contains("gzip")) {
          res.putHeader("Content-Encoding", "gzip").end(Buffer.buffer(gzip(text)));
        } else if (accept.contains("deflate")) {
          res.putHeader("Content-Encoding", "deflate").end(Buffer.buffer(deflate(text)));
        } else {
          res.end(text);
        }
      }
      case "/leak/always-gzip" -> res.putHeader("Content-Encoding", "gzip").putHeader("Content-Type", "text/plain")
          .end(Buffer.buffer(gzip(text)));
      case "/leak/range" -> range(req, text);
      case "/leak/spellings" -> {
        StringBuilder all = new StringBuilder();
        for (Map.Entry<String, String> e : spellings(secret).entrySet()) {
          all.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        res.setChunked(true).putHeader("Content-Type", "text/plain")
            .putHeader("X-Echo-Form", spellings(secret).get("pct-lower"))
            .putHeader("X-Echo-Json", spellings(secret).get("json-u"))
            .putHeader("X-" + spellings(secret).get("hex-lower"), "a header named after the credential")
            .putHeader("Location", "/echo/next?token=" + spellings(secret).get("form"));
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
        // Small writes, so occurrences straddle the chunks the broker reads.
        for (int i = 0; i < bytes.length; i += 7) {
          res.write(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7))));
        }
        res.end();
      }
      case "/leak/trailer" -> {
        res.setChunked(true).putHeader("Trailer", "X-Echo");
        res.write("see the trailer\n");
        res.trailers().add("X-Echo", secret);
        res.end();
      }
      case "/leak/transfer-gzip" -> {
        res.setChunked(true);
        res.headers().set("Transfer-Encoding", "gzip, chunked");
        res.end(Buffer.buffer(gzip(text)));
      }
      default -> res.setStatusCode(404).end();
    }
  }

  private static void range(HttpServerRequest req, String text) {
    byte[] all = text.getBytes(StandardCharsets.UTF_8);
    String range = req.getHeader("Range");
    HttpServerResponse res = req.response().putHeader("Accept-Ranges", "bytes").putHeader("Content-Type", "text/plain");
    if (range == null || !range.startsWith("bytes=")) {
      res.end(Buffer.buffer(all));
      return;
    }
    String[] ab = range.substring(6).split("-", 2);
    int from = Integer.parseInt(ab[0]);
    int to = ab[1].isEmpty() ? all.length - 1 : Math.min(all.length - 1, Integer.parseInt(ab[1]));
    res.setStatusCode(206).putHeader("Content-Range", "bytes " + from + "-" + to + "/" + all.length)
        .end(Buffer.buffer(java.util.Arrays.copyOfRange(all, from, to + 1)));
  }

  static byte[] gzip(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] deflate(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The body as text, gunzipped or inflated first when its {@code Content-Encoding} says so. */
  static String decoded(String contentEncoding, byte[] body) {
    try {
      if ("gzip".equalsIgnoreCase(contentEncoding)) {
        return new String(new GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes(),
            StandardCharsets.UTF_8);
      }
      if ("deflate".equalsIgnoreCase(contentEncoding)) {
        return new String(new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(body))
            .readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Whether {@code text} holds any spelling of {@code secret}; names the first found. */
  static String found(String text, String secret) {
    for (Map.Entry<String, String> e : spellings(secret).entrySet()) {
      if (text.contains(e.getValue())) {
        return e.getKey();
      }
    }
    return null;
  }
}
