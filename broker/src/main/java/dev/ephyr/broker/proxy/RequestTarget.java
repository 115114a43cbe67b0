package dev.ephyr.broker.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The path and query an agent asked for, checked before anything else looks at them: the raw form is what
 * goes upstream, the decoded path is what the service's globs are matched against. Refused: anything but an
 * absolute path, empty segments ({@code //}, which also rules out {@code //host} network-path references),
 * dot segments in any spelling ({@code ..}, {@code %2e%2E}, {@code ..;x}), encoded slashes and backslashes,
 * double encoding of those, NUL and control characters, non-ASCII, fragments.
 *
 * @param rawPath the path exactly as it will be sent (percent-encoding preserved)
 * @param decodedPath the percent-decoded path the globs see
 * @param rawQuery the query without {@code ?}, or {@code null}
 */
public record RequestTarget(String rawPath, String decodedPath, String rawQuery) {
  /** Longest path plus query accepted. */
  public static final int MAX_CHARS = 8192;

  /** The path and query as sent upstream. */
  public String pathAndQuery() {
    return rawQuery == null ? rawPath : rawPath + "?" + rawQuery;
  }

  /** A checked target, or the reason it is refused. */
  public sealed interface Parsed {}

  /** A target that passed. */
  public record Valid(RequestTarget target) implements Parsed {}

  /** A refused target; the message names the rule, never echoes much of the input. */
  public record Invalid(String message) implements Parsed {}

  /** Checks {@code pathAndQuery} ({@code /a/b?x=1}). */
  public static Parsed parse(String pathAndQuery) {
    if (pathAndQuery == null || pathAndQuery.isEmpty()) {
      return new Valid(new RequestTarget("/", "/", null));
    }
    if (pathAndQuery.length() > MAX_CHARS) {
      return new Invalid("the path and query exceed " + MAX_CHARS + " characters");
    }
    for (int i = 0; i < pathAndQuery.length(); i++) {
      char c = pathAndQuery.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return new Invalid("the path contains a space, control or non-ASCII character; percent-encode it");
      }
      if (c == '#') {
        return new Invalid("the path contains a fragment (#); fragments are never sent to servers");
      }
      if (c == '\\') {
        return new Invalid("the path contains a backslash");
      }
    }
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? null : pathAndQuery.substring(q + 1);
    if (!path.startsWith("/")) {
      return new Invalid("the path must start with '/' (a path on the service, not a URL)");
    }
    StringBuilder decoded = new StringBuilder(path.length());
    if (path.equals("/")) {
      decoded.append('/');
    } else {
      String[] segments = path.substring(1).split("/", -1);
      for (int i = 0; i < segments.length; i++) {
        String seg = segments[i];
        boolean last = i == segments.length - 1;
        if (seg.isEmpty() && !last) {
          return new Invalid("the path has an empty segment (//)");
        }
        String d = decode(seg);
        if (d == null) {
          return new Invalid("the path has a malformed percent-escape or bytes that are not UTF-8");
        }
        String why = segmentProblem(d);
        if (why != null) {
          return new Invalid(why);
        }
        decoded.append('/').append(d);
      }
    }
    if (query != null) {
      if (decode(query.replace('+', ' ')) == null) {
        return new Invalid("the query has a malformed percent-escape");
      }
      if (query.isEmpty()) {
        query = null;
      }
    }
    return new Valid(new RequestTarget(path, decoded.toString(), query));
  }

  private static String segmentProblem(String d) {
    // Servers such as Tomcat treat "..;x" as "..": compare the part before any path parameter.
    int semi = d.indexOf(';');
    String bare = semi < 0 ? d : d.substring(0, semi);
    if (bare.equals(".") || bare.equals("..")) {
      return "the path contains a dot segment (. or ..); send the resolved path";
    }
    for (int i = 0; i < d.length(); i++) {
      char c = d.charAt(i);
      if (c == '/' || c == '\\') {
        return "the path contains an encoded slash or backslash (%2F, %5C)";
      }
      if (c < 0x20 || c == 0x7f) {
        return "the path contains an encoded NUL or control character";
      }
    }
    String lower = d.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")
        || lower.contains("%25")) {
      return "the path is percent-encoded twice around a dot, slash or backslash";
    }
    return null;
  }

  /** Percent-decodes {@code s} as UTF-8; {@code null} when an escape is malformed or the bytes are not UTF-8. */
  static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
