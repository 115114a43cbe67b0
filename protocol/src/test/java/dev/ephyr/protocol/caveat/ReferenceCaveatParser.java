package dev.ephyr.protocol.caveat;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.ulid.Ulid;
import java.nio.charset.StandardCharsets;

/**
 * The caveat parser as it was before {@link CaveatFold} (commit d427c69), kept unchanged as the reference
 * that {@link CaveatParser} and {@link CaveatFold} must agree with on every input: same caveat, same
 * refusal (reason and message). Not used outside tests.
 */
final class ReferenceCaveatParser {
  /** Deepest lineage the vocabulary can express in a {@code depth} caveat. */
  public static final int MAX_DEPTH_VALUE = 255;
  /** Largest unix time accepted (year 5138): keeps arithmetic far from overflow. */
  public static final long MAX_EPOCH_SECOND = 99_999_999_999L;
  /** Characters of a JWK SHA-256 thumbprint in base64url. */
  public static final int JKT_CHARS = 43;
  /** Longest agent name. */
  public static final int MAX_AGENT_CHARS = 64;
  /** Longest {@code by} URN. */
  public static final int MAX_BY_CHARS = 128;

  // Character classes, as bit flags per ASCII code.
  private static final int ID = 1; // set element / identifier: [A-Za-z0-9._:/@*-]
  private static final int NAME = 2; // agent name: [A-Za-z0-9._-]
  private static final int URN = 4; // URN: [A-Za-z0-9._:/@-]
  private static final int B64 = 8; // base64url
  private static final byte[] CLASS = new byte[128];

  static {
    for (char c = 0; c < 128; c++) {
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      int k = 0;
      if (alnum || ".:/@*-_".indexOf(c) >= 0) {
        k |= ID;
      }
      if (alnum || "._-".indexOf(c) >= 0) {
        k |= NAME;
      }
      if (alnum || "._:/@-".indexOf(c) >= 0) {
        k |= URN;
      }
      if (alnum || c == '-' || c == '_') {
        k |= B64;
      }
      CLASS[c] = (byte) k;
    }
  }

  private ReferenceCaveatParser() {}

  /** Parses UTF-8 caveat text. */
  public static Caveat parse(String text) throws CaveatFormatException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /** Parses the caveat {@code b[off, off+len)}. */
  public static Caveat parse(byte[] b, int off, int len) throws CaveatFormatException {
    int end = off + len;
    int sp = -1;
    for (int i = off; i < end; i++) {
      int c = b[i];
      if (c < 0x20 || c > 0x7e) {
        throw invalid(null, "caveat is not printable ASCII");
      }
      if (c == ' ' && sp < 0) {
        sp = i;
      }
    }
    int keyEnd = sp < 0 ? end : sp;
    switch (keyEnd - off) {
      case 4:
        if (is(b, off, "task")) {
          return taskFact(b, off, end);
        }
        if (is(b, off, "bind")) {
          return bindFact(b, off, end);
        }
        break;
      case 5:
        if (is(b, off, "roles")) {
          return set(Dimension.ROLES, b, keyEnd, end);
        }
        if (is(b, off, "tools")) {
          return tools(b, keyEnd, end);
        }
        if (is(b, off, "depth")) {
          return new Caveat.DepthRestriction((int) number(b, value(b, keyEnd, end, " <= ", "depth"), end, "depth",
              MAX_DEPTH_VALUE));
        }
        break;
      case 7:
        if (is(b, off, "targets")) {
          return set(Dimension.TARGETS, b, keyEnd, end);
        }
        if (is(b, off, "methods")) {
          return set(Dimension.METHODS, b, keyEnd, end);
        }
        if (is(b, off, "remotes")) {
          return set(Dimension.REMOTES, b, keyEnd, end);
        }
        if (is(b, off, "expires")) {
          return new Caveat.ExpiresRestriction(number(b, value(b, keyEnd, end, " < ", "expires"), end, "expires",
              MAX_EPOCH_SECOND));
        }
        break;
      case 8:
        if (is(b, off, "services")) {
          return set(Dimension.SERVICES, b, keyEnd, end);
        }
        if (is(b, off, "delegate")) {
          int v = value(b, keyEnd, end, " = ", "delegate");
          if (end - v == 4 && is(b, v, "true")) {
            return new Caveat.DelegateRestriction(true);
          }
          if (end - v == 5 && is(b, v, "false")) {
            return new Caveat.DelegateRestriction(false);
          }
          throw invalid("delegate", "value must be 'true' or 'false'");
        }
        break;
      default:
        break;
    }
    String key = new String(b, off, Math.min(keyEnd - off, 32), StandardCharsets.ISO_8859_1);
    throw new CaveatFormatException(Reason.UNKNOWN_CAVEAT, "unknown caveat key '" + key + "'");
  }

  /** Start of the value after {@code key op }; the value must be one non-empty word. */
  private static int value(byte[] b, int keyEnd, int end, String op, String key) throws CaveatFormatException {
    if (!startsWith(b, keyEnd, end, op)) {
      throw invalid(key, "operator must be '" + op.trim() + "'");
    }
    int v = keyEnd + op.length();
    if (v >= end) {
      throw invalid(key, "value is empty");
    }
    for (int i = v; i < end; i++) {
      if (b[i] == ' ') {
        throw invalid(key, "value must be one word");
      }
    }
    return v;
  }

  private static Caveat.SetRestriction set(Dimension d, byte[] b, int keyEnd, int end)
      throws CaveatFormatException {
    String key = d.key();
    int v = value(b, keyEnd, end, " = ", key);
    if (end - v == 1 && b[v] == '*') {
      return new Caveat.SetRestriction(d, IdSet.ALL);
    }
    if (end - v == 1 && b[v] == '-') {
      return new Caveat.SetRestriction(d, IdSet.NONE);
    }
    String[] elements = elements(b, v, end, key);
    for (String e : elements) {
      if (e.indexOf('*') >= 0 || e.equals("-")) {
        throw invalid(key, "'*' and '-' stand alone or not at all");
      }
      if (d == Dimension.REMOTES && e.indexOf('.') >= 0) {
        throw invalid(key, "remote names cannot contain '.', which separates remote and tool");
      }
      if (d == Dimension.METHODS && !isUpperAlpha(e)) {
        throw invalid(key, "methods are upper-case letters");
      }
    }
    return new Caveat.SetRestriction(d, IdSet.ofSorted(elements));
  }

  private static Caveat.ToolsRestriction tools(byte[] b, int keyEnd, int end) throws CaveatFormatException {
    int v = value(b, keyEnd, end, " = ", "tools");
    if (end - v == 1 && b[v] == '*') {
      return new Caveat.ToolsRestriction(ToolGrant.ALL);
    }
    if (end - v == 1 && b[v] == '-') {
      return new Caveat.ToolsRestriction(ToolGrant.NONE);
    }
    String[] elements = elements(b, v, end, "tools");
    for (String e : elements) {
      if (!ToolGrant.isPattern(e) || e.equals("*")) {
        throw invalid("tools", "patterns are remote__tool or remote.tool, where only the tool part may hold '*'");
      }
    }
    return new Caveat.ToolsRestriction(ToolGrant.ofSorted(elements));
  }

  /** Comma-separated identifiers, strictly increasing (sorted, distinct). */
  private static String[] elements(byte[] b, int from, int end, String key) throws CaveatFormatException {
    int count = 1;
    for (int i = from; i < end; i++) {
      if (b[i] == ',') {
        count++;
      }
    }
    if (count > IdSet.MAX_ELEMENTS) {
      throw invalid(key, "at most " + IdSet.MAX_ELEMENTS + " elements");
    }
    String[] out = new String[count];
    int n = 0;
    int start = from;
    for (int i = from; i <= end; i++) {
      if (i == end || b[i] == ',') {
        int len = i - start;
        if (len == 0 || len > IdSet.MAX_ELEMENT_CHARS) {
          throw invalid(key, "elements are 1-" + IdSet.MAX_ELEMENT_CHARS + " characters");
        }
        for (int k = start; k < i; k++) {
          if ((CLASS[b[k]] & ID) == 0) {
            throw invalid(key, "elements are made of A-Z a-z 0-9 . _ : / @ * -");
          }
        }
        String e = new String(b, start, len, StandardCharsets.ISO_8859_1);
        if (n > 0 && out[n - 1].compareTo(e) >= 0) {
          throw invalid(key, "elements must be sorted and distinct");
        }
        out[n++] = e;
        start = i + 1;
      }
    }
    return out;
  }

  /** A canonical non-negative decimal in {@code b[from, end)} no larger than {@code max}. */
  private static long number(byte[] b, int from, int end, String key, long max) throws CaveatFormatException {
    long n = parseCanonical(b, from, end, max);
    if (n < 0) {
      throw invalid(key, "value must be a decimal number from 0 to " + max + " without sign or leading zeros");
    }
    return n;
  }

  /** The value of the canonical decimal {@code b[from, end)}, or -1. */
  static long parseCanonical(byte[] b, int from, int end, long max) {
    int len = end - from;
    if (len < 1 || len > 19 || (len > 1 && b[from] == '0')) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < end; i++) {
      int c = b[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
      if (n > max || n < 0) {
        return -1;
      }
    }
    return n;
  }

  private static Caveat.TaskFact taskFact(byte[] b, int off, int end) throws CaveatFormatException {
    // task <ulid> epoch=<n> agent=<a> by=<urn> holder=<jkt|-> bind-by=<unix|-> #<tag>
    Cursor c = new Cursor(b, off + 5, end, "task");
    String task = c.ulid();
    c.expect(" epoch=");
    long epoch = parseCanonical(b, c.pos, c.wordEnd(), Long.MAX_VALUE - 1);
    if (epoch < 0) {
      throw invalid("task", "epoch must be a canonical decimal number");
    }
    c.pos = c.wordEnd();
    c.expect(" agent=");
    String agent = c.word(NAME, MAX_AGENT_CHARS, "agent must be 1-" + MAX_AGENT_CHARS + " characters of A-Z a-z 0-9 . _ -");
    c.expect(" by=");
    String by = c.word(URN, MAX_BY_CHARS, "by must be 1-" + MAX_BY_CHARS + " characters of A-Z a-z 0-9 . _ : / @ -");
    c.expect(" holder=");
    String holder = c.dash() ? null : c.jkt();
    c.expect(" bind-by=");
    Long bindBy = null;
    if (!c.dash()) {
      long v = parseCanonical(b, c.pos, c.wordEnd(), MAX_EPOCH_SECOND);
      if (v < 0) {
        throw invalid("task", "bind-by must be '-' or a canonical unix time");
      }
      bindBy = v;
      c.pos = c.wordEnd();
    }
    if (holder != null && bindBy != null) {
      throw invalid("task", "a task with a holder has no bind deadline");
    }
    int bodyLength = c.pos - off;
    String tag = c.tag();
    return new Caveat.TaskFact(task, epoch, agent, by, holder, bindBy, bodyLength, tag);
  }

  private static Caveat.BindFact bindFact(byte[] b, int off, int end) throws CaveatFormatException {
    // bind <ulid> holder=<jkt> #<tag>
    Cursor c = new Cursor(b, off + 5, end, "bind");
    String task = c.ulid();
    c.expect(" holder=");
    String holder = c.jkt();
    int bodyLength = c.pos - off;
    return new Caveat.BindFact(task, holder, bodyLength, c.tag());
  }

  /** Reads the fixed-order fields of a broker fact. */
  private static final class Cursor {
    final byte[] b;
    final int end;
    final String key;
    int pos;

    Cursor(byte[] b, int pos, int end, String key) {
      this.b = b;
      this.pos = pos;
      this.end = end;
      this.key = key;
    }

    String ulid() throws CaveatFormatException {
      if (end - pos < Ulid.LENGTH || !Ulid.isValid(b, pos)) {
        throw invalid(key, "task id must be a canonical ULID");
      }
      String s = new String(b, pos, Ulid.LENGTH, StandardCharsets.ISO_8859_1);
      pos += Ulid.LENGTH;
      return s;
    }

    void expect(String literal) throws CaveatFormatException {
      if (!startsWith(b, pos, end, literal)) {
        throw invalid(key, "expected '" + literal.trim() + "' at offset " + pos);
      }
      pos += literal.length();
    }

    int wordEnd() {
      int i = pos;
      while (i < end && b[i] != ' ') {
        i++;
      }
      return i;
    }

    String word(int cls, int max, String rule) throws CaveatFormatException {
      int e = wordEnd();
      if (e == pos || e - pos > max) {
        throw invalid(key, rule);
      }
      for (int i = pos; i < e; i++) {
        if ((CLASS[b[i]] & cls) == 0) {
          throw invalid(key, rule);
        }
      }
      String s = new String(b, pos, e - pos, StandardCharsets.ISO_8859_1);
      pos = e;
      return s;
    }

    boolean dash() {
      if (pos < end && b[pos] == '-' && (pos + 1 == end || b[pos + 1] == ' ')) {
        pos++;
        return true;
      }
      return false;
    }

    String jkt() throws CaveatFormatException {
      int e = wordEnd();
      if (e - pos != JKT_CHARS) {
        throw invalid(key, "holder must be a " + JKT_CHARS + "-character base64url JWK thumbprint");
      }
      return word(B64, JKT_CHARS, "holder must be a base64url JWK thumbprint");
    }

    String tag() throws CaveatFormatException {
      if (!startsWith(b, pos, end, " #") || end - pos != 24) {
        throw invalid(key, "broker fact must end with ' #' and a 22-character tag");
      }
      pos += 2;
      for (int i = pos; i < end; i++) {
        if ((CLASS[b[i]] & B64) == 0) {
          throw invalid(key, "tag is not base64url");
        }
      }
      return new String(b, pos, end - pos, StandardCharsets.ISO_8859_1);
    }
  }

  /** Agent names: {@code [A-Za-z0-9._-]}; URNs additionally allow {@code : / @}. */
  public static boolean isName(String v, int max, boolean urn) {
    if (v.isEmpty() || v.length() > max) {
      return false;
    }
    int cls = urn ? URN : NAME;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 128 || (CLASS[c] & cls) == 0) {
        return false;
      }
    }
    return true;
  }

  static boolean isUpperAlpha(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 'A' || c > 'Z') {
        return false;
      }
    }
    return !v.isEmpty();
  }

  private static boolean is(byte[] b, int off, String literal) {
    for (int i = 0; i < literal.length(); i++) {
      if (b[off + i] != literal.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] b, int off, int end, String literal) {
    return end - off >= literal.length() && is(b, off, literal);
  }

  private static CaveatFormatException invalid(String key, String detail) {
    return new CaveatFormatException(Reason.INVALID_CAVEAT,
        key == null ? detail : "caveat '" + key + "': " + detail);
  }
}
