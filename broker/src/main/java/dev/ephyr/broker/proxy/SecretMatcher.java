package dev.ephyr.broker.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Finds an injected secret in bytes a service or remote sends back, in the spellings a reflecting server
 * produces: raw; each character percent-encoded (also twice, {@code %252F}), {@code +} for a space; JSON
 * escapes (unicode escapes and {@code \/}), JavaScript hex escapes, HTML/XML character references and
 * entities; each of those with its escape character escaped again; any mix of them within one occurrence;
 * hex of its bytes; base64 and base64url of it at each of the three byte alignments (so inside a larger
 * encoded blob too, a Basic token included); UTF-16 in either byte order. Letters match in any case (hex
 * digits of escapes, and a service that upper-cases what it echoes). Holds the secret: its {@code toString}
 * is redacted and it is never logged.
 */
public final class SecretMatcher {
  /** Shortest secret worth searching for: shorter ones would match ordinary text. */
  public static final int MIN_CHARS = 8;
  private static final HexFormat HEX = HexFormat.of();

  /**
   * The spellings of one code point (or byte), lower-cased, grouped by their first byte so a position is tried
   * against the few that can start there.
   */
  private static final class Unit {
    final byte[][][] byFirst = new byte[256][][];
    final int longest;

    Unit(List<byte[]> alts) {
      int max = 0;
      for (byte[] a : alts) {
        max = Math.max(max, a.length);
        int f = a[0] & 0xff;
        byte[][] had = byFirst[f];
        byte[][] now = had == null ? new byte[1][] : Arrays.copyOf(had, had.length + 1);
        now[now.length - 1] = a;
        byFirst[f] = now;
        int u = upper(a[0]) & 0xff;
        if (u != f) {
          byFirst[u] = now;
        }
      }
      this.longest = max;
    }
  }

  /** One spelling family: a sequence of units. */
  private record Needle(Unit[] units, int longest) {}

  private final List<Needle> needles;
  private final boolean[] firstByte = new boolean[256];
  private final int longest;

  private SecretMatcher(List<Needle> needles) {
    this.needles = needles;
    int max = 0;
    for (Needle n : needles) {
      max = Math.max(max, n.longest);
      for (int b = 0; b < 256; b++) {
        firstByte[b] |= n.units[0].byFirst[b] != null;
      }
    }
    this.longest = max;
  }

  /** A matcher for {@code forms} (the secret and what was built from it, e.g. a Basic token); short ones skipped. */
  public static SecretMatcher of(List<String> forms) {
    List<Needle> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (String s : forms) {
      if (s == null || s.length() < MIN_CHARS || seen.contains(s)) {
        continue;
      }
      seen.add(s);
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      out.add(spelled(s));
      out.add(spelled(HEX.formatHex(utf8)));
      for (int align = 0; align < 3; align++) {
        String core = base64Core(utf8, align);
        if (core.length() >= MIN_CHARS) {
          out.add(spelled(core));
          out.add(spelled(core.replace('+', '-').replace('/', '_')));
        }
      }
      out.add(literal(s.getBytes(StandardCharsets.UTF_16BE)));
      out.add(literal(s.getBytes(StandardCharsets.UTF_16LE)));
    }
    return new SecretMatcher(List.copyOf(out));
  }

  /** A matcher that finds nothing. */
  public static SecretMatcher none() {
    return new SecretMatcher(List.of());
  }

  /** Whether there is anything to look for. */
  public boolean active() {
    return !needles.isEmpty();
  }

  /** The longest byte run one occurrence can take (what a stream must hold back, plus one). */
  int longest() {
    return longest;
  }

  /** {@code text} with every occurrence replaced by {@code [redacted]}. */
  public String scrub(String text) {
    if (text == null || needles.isEmpty() || text.isEmpty()) {
      return text;
    }
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    Buffer out = Buffer.buffer(in.length);
    long[] hits = {0};
    redact(in, in.length, out, hits);
    return hits[0] == 0 ? text : out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Copies {@code in[0..limit)} to {@code out} with each occurrence replaced by {@link Redactor#MARK}, counting
   * them in {@code hits[0]}. An occurrence that starts before {@code limit} is replaced whole (it may use bytes
   * up to {@code in.length}); returns the index after the last byte consumed, {@code limit} or beyond.
   */
  int redact(byte[] in, int limit, Buffer out, long[] hits) {
    int i = 0;
    int run = 0;
    Scratch scratch = null; // per call, never per candidate position, and never shared between threads
    while (i < limit) {
      if (firstByte[in[i] & 0xff]) {
        if (scratch == null) {
          scratch = new Scratch();
        }
        int end = matchEnd(in, i, in.length, scratch);
        if (end > i) {
          out.appendBytes(in, run, i - run);
          out.appendBytes(Redactor.MARK);
          hits[0]++;
          i = end;
          run = end;
          continue;
        }
      }
      i++;
    }
    out.appendBytes(in, run, i - run);
    return i;
  }

  /** Position sets of the NFA, reused across the candidates of one scan (the matcher itself stays immutable). */
  private static final class Scratch {
    int[] cur = new int[8];
    int[] next = new int[8];
  }

  /**
   * Where an occurrence starting at {@code at} ends (exclusive, using bytes below {@code limit}), or -1. The
   * longest of the occurrences found is taken, so a spelling is removed whole.
   */
  int matchEnd(byte[] in, int at, int limit, Scratch scratch) {
    if (!firstByte[in[at] & 0xff]) {
      return -1;
    }
    int best = -1;
    for (Needle n : needles) {
      best = Math.max(best, match(n, in, at, limit, scratch));
    }
    return best;
  }

  /** Runs the needle's units as a small NFA: the set of positions reachable after each unit. */
  private static int match(Needle n, byte[] in, int at, int limit, Scratch scratch) {
    if (n.units[0].byFirst[in[at] & 0xff] == null) {
      return -1; // the common case
    }
    int[] cur = scratch.cur;
    cur[0] = at;
    int curSize = 1;
    int[] next = scratch.next;
    for (Unit unit : n.units) {
      int nextSize = 0;
      for (int c = 0; c < curSize; c++) {
        int pos = cur[c];
        byte[][] alts = pos < limit ? unit.byFirst[in[pos] & 0xff] : null;
        if (alts == null) {
          continue;
        }
        for (byte[] alt : alts) {
          if (startsWith(in, pos, limit, alt)) {
            int end = pos + alt.length;
            boolean dup = false;
            for (int k = 0; k < nextSize && !dup; k++) {
              dup = next[k] == end;
            }
            if (!dup) {
              if (nextSize == next.length) {
                next = Arrays.copyOf(next, nextSize * 2);
              }
              next[nextSize++] = end;
            }
          }
        }
      }
      if (nextSize == 0) {
        return -1;
      }
      int[] t = cur;
      cur = next;
      curSize = nextSize;
      next = t; // grows above when needed
    }
    scratch.cur = cur; // keep what grew, for the next candidate
    scratch.next = next;
    int best = -1;
    for (int c = 0; c < curSize; c++) {
      best = Math.max(best, cur[c]);
    }
    return best;
  }

  private static boolean startsWith(byte[] in, int pos, int limit, byte[] alt) {
    if (pos + alt.length > limit) {
      return false;
    }
    for (int k = 0; k < alt.length; k++) {
      if (lower(in[pos + k]) != alt[k]) {
        return false;
      }
    }
    return true;
  }

  private static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }

  private static byte upper(byte b) {
    return b >= 'a' && b <= 'z' ? (byte) (b - 32) : b;
  }

  /** One unit per byte, matched as is (letters in any case). */
  private static Needle literal(byte[] bytes) {
    Unit[] units = new Unit[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      units[i] = Bytes.TABLE[bytes[i] & 0xff];
    }
    return new Needle(units, bytes.length);
  }

  /** A unit for each byte value, built once (never handed out or changed). */
  private static final class Bytes {
    static final Unit[] TABLE = new Unit[256];

    static {
      for (int b = 0; b < TABLE.length; b++) {
        TABLE[b] = new Unit(List.of(new byte[] {lower((byte) b)}));
      }
    }
  }

  /** One unit per code point of {@code s}, each with every escaped spelling of that code point. */
  private static Needle spelled(String s) {
    List<Unit> units = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      Unit u = alternatives(cp);
      longest += u.longest;
      units.add(u);
    }
    return new Needle(units.toArray(new Unit[0]), longest);
  }

  /** How a {@code %} may itself appear: as is, URL-encoded again, JSON-escaped, as an HTML reference. */
  private static final List<String> PERCENT = List.of("%", "%25", "%2525", "\\u0025", "&#37;", "&#x25;");
  /** How a backslash may itself appear: as is, JSON-escaped once or twice, URL-encoded, as an HTML reference. */
  private static final List<String> BACKSLASH = List.of("\\", "\\\\", "\\\\\\\\", "\\u005c", "%5c",
      "&#92;", "&#x5c;");
  /** How an {@code &} may itself appear: as is, HTML-escaped again, JSON-escaped, URL-encoded. */
  private static final List<String> AMPERSAND = List.of("&", "&amp;", "\\u0026", "%26");

  /**
   * The spellings of one code point: raw; percent-encoded bytes; JSON, JavaScript and HTML escapes; and each
   * of those with its escape character escaped once more (a JSON document inside JSON, a URL in a JSON page).
   */
  private static Unit alternatives(int cp) {
    return cp < Ascii.TABLE.length ? Ascii.TABLE[cp] : spell(cp);
  }

  /** The spellings of each ASCII character, built once, after the lists above (never handed out or changed). */
  private static final class Ascii {
    static final Unit[] TABLE = new Unit[128];

    static {
      for (int c = 0; c < TABLE.length; c++) {
        TABLE[c] = spell(c);
      }
    }
  }

  private static String hex4(char c) {
    return HEX.toHexDigits(c);
  }

  private static Unit spell(int cp) {
    byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
    List<String> forms = new ArrayList<>();
    for (String p : PERCENT) {
      StringBuilder pct = new StringBuilder();
      for (byte b : utf8) {
        pct.append(p).append(HEX.toHexDigits(b));
      }
      forms.add(pct.toString());
    }
    if (cp == ' ') {
      forms.addAll(List.of("+", "%2b")); // a form-encoded space, and that encoded once more
    }
    for (String bs : BACKSLASH) {
      StringBuilder json = new StringBuilder();
      for (char c : Character.toChars(cp)) {
        json.append(bs).append('u').append(hex4(c));
      }
      forms.add(json.toString());
      if (cp < 0x100) {
        forms.add(bs + "x" + HEX.toHexDigits((byte) cp));
      }
      switch (cp) {
        case '/', '"', '\\', '\'' -> forms.add(bs + (char) cp);
        default -> { }
      }
    }
    for (String amp : AMPERSAND) {
      forms.add(amp + "#" + cp + ";");
      forms.add(amp + "#x" + Integer.toHexString(cp) + ";");
      if (cp < 0x10000) {
        forms.add(amp + "#x" + hex4((char) cp) + ";");
      }
      switch (cp) {
        case '"' -> forms.add(amp + "quot;");
        case '&' -> forms.add(amp + "amp;");
        case '<' -> forms.add(amp + "lt;");
        case '>' -> forms.add(amp + "gt;");
        case '\'' -> forms.add(amp + "apos;");
        default -> { }
      }
    }
    List<byte[]> out = new ArrayList<>();
    byte[] raw = new byte[utf8.length];
    for (int k = 0; k < utf8.length; k++) {
      raw[k] = lower(utf8[k]);
    }
    out.add(raw);
    for (String f : forms) {
      byte[] b = f.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      if (out.stream().noneMatch(x -> Arrays.equals(x, b))) {
        out.add(b);
      }
    }
    return new Unit(out);
  }

  /**
   * The base64 characters that depend on {@code secret} alone when it starts {@code align} bytes into an
   * encoded blob: the first characters also carry bits of the bytes before it, the last of those after it.
   */
  static String base64Core(byte[] secret, int align) {
    byte[] padded = new byte[align + secret.length];
    System.arraycopy(secret, 0, padded, align, secret.length);
    String enc = Base64.getEncoder().withoutPadding().encodeToString(padded);
    int from = (8 * align + 5) / 6;
    int to = 8 * (align + secret.length) / 6;
    return from >= to ? "" : enc.substring(from, to);
  }

  @Override
  public String toString() {
    return "SecretMatcher[" + needles.size() + " spellings, redacted]";
  }
}
