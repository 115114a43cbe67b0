package dev.ephyr.protocol.caveat;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.ulid.Ulid;
import java.nio.charset.StandardCharsets;

/**
 * Parses caveat text strictly: exactly {@code key SP op SP value}, single spaces, printable ASCII, every
 * value in its one canonical spelling (set elements sorted and distinct, numbers without sign or leading
 * zeros). Anything else is refused with a specific reason. Works on the token's bytes directly, since
 * it runs for every caveat of every request.
 */
public final class CaveatParser {
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
  // Indexed by the unsigned byte: bytes outside ASCII belong to no class.
  private static final byte[] CLASS = new byte[256];

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

  private CaveatParser() {}

  /** Parses UTF-8 caveat text. */
  public static Caveat parse(String text) throws CaveatFormatException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /** Parses the caveat {@code b[off, off+len)}. */
  public static Caveat parse(byte[] b, int off, int len) throws CaveatFormatException {
    return parse(b, off, len, null);
  }

  /**
   * The one grammar behind {@link #parse} and {@link CaveatFold}: with {@code into == null} it builds the
   * caveat; otherwise it applies a restriction to {@code into}'s reducer, or records a broker fact's
   * fields there, and returns {@code null}. Every refusal is the same either way.
   */
  static Caveat parse(byte[] b, int off, int len, CaveatFold into) throws CaveatFormatException {
    try {
      return grammar(b, off, off + len, into);
    } catch (CaveatFormatException e) {
      // A byte outside printable ASCII is the refusal wherever it is. Only refused caveats need the pass:
      // every byte the grammar accepts is matched by a literal, a digit or a character class, all printable.
      for (int i = off; i < off + len; i++) {
        if (b[i] < 0x20 || b[i] > 0x7e) {
          throw invalid(null, "caveat is not printable ASCII");
        }
      }
      throw e;
    }
  }

  /** The caveat {@code b[off, end)} by its key; may refuse a non-printable caveat for another reason. */
  private static Caveat grammar(byte[] b, int off, int end, CaveatFold into) throws CaveatFormatException {
    int sp = -1;
    for (int i = off; i < end; i++) {
      if (b[i] == ' ') {
        sp = i;
        break;
      }
    }
    int keyEnd = sp < 0 ? end : sp;
    switch (keyEnd - off) {
      case 4:
        if (is(b, off, "task")) {
          return taskFact(b, off, end, into);
        }
        if (is(b, off, "bind")) {
          return bindFact(b, off, end, into);
        }
        break;
      case 5:
        if (is(b, off, "roles")) {
          return set(Dimension.ROLES, b, keyEnd, end, into);
        }
        if (is(b, off, "tools")) {
          return tools(b, keyEnd, end, into);
        }
        if (is(b, off, "depth")) {
          int depth = (int) number(b, value(b, keyEnd, end, " <= ", "depth"), end, "depth", MAX_DEPTH_VALUE);
          if (into != null) {
            into.reducer.applyDepth(depth);
            return null;
          }
          return new Caveat.DepthRestriction(depth);
        }
        break;
      case 7:
        if (is(b, off, "targets")) {
          return set(Dimension.TARGETS, b, keyEnd, end, into);
        }
        if (is(b, off, "methods")) {
          return set(Dimension.METHODS, b, keyEnd, end, into);
        }
        if (is(b, off, "remotes")) {
          return set(Dimension.REMOTES, b, keyEnd, end, into);
        }
        if (is(b, off, "expires")) {
          long at = number(b, value(b, keyEnd, end, " < ", "expires"), end, "expires", MAX_EPOCH_SECOND);
          if (into != null) {
            into.reducer.applyExpiry(at);
            return null;
          }
          return new Caveat.ExpiresRestriction(at);
        }
        break;
      case 8:
        if (is(b, off, "services")) {
          return set(Dimension.SERVICES, b, keyEnd, end, into);
        }
        if (is(b, off, "delegate")) {
          int v = value(b, keyEnd, end, " = ", "delegate");
          boolean allowed;
          if (end - v == 4 && is(b, v, "true")) {
            allowed = true;
          } else if (end - v == 5 && is(b, v, "false")) {
            allowed = false;
          } else {
            throw invalid("delegate", "value must be 'true' or 'false'");
          }
          if (into != null) {
            into.reducer.applyDelegate(allowed);
            return null;
          }
          return new Caveat.DelegateRestriction(allowed);
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

  private static Caveat.SetRestriction set(Dimension d, byte[] b, int keyEnd, int end, CaveatFold into)
      throws CaveatFormatException {
    String key = d.key();
    int v = value(b, keyEnd, end, " = ", key);
    IdSet whole = null;
    if (end - v == 1 && b[v] == '*') {
      whole = IdSet.ALL;
    } else if (end - v == 1 && b[v] == '-') {
      whole = IdSet.NONE;
    }
    if (whole != null) {
      if (into != null) {
        into.reducer.applySet(d, whole);
        return null;
      }
      return new Caveat.SetRestriction(d, whole);
    }
    checkElements(b, v, end, key);
    // The dimension's rules, element by element, once the whole list is known to be well-formed.
    int start = v;
    for (int i = v; i <= end; i++) {
      if (i == end || b[i] == ',') {
        if (contains(b, start, i, '*') || (i - start == 1 && b[start] == '-')) {
          throw invalid(key, "'*' and '-' stand alone or not at all");
        }
        if (d == Dimension.REMOTES && contains(b, start, i, '.')) {
          throw invalid(key, "remote names cannot contain '.', which separates remote and tool");
        }
        if (d == Dimension.METHODS && !isUpperAlpha(b, start, i)) {
          throw invalid(key, "methods are upper-case letters");
        }
        start = i + 1;
      }
    }
    if (into != null) {
      into.reducer.applySetElements(d, b, v, end);
      return null;
    }
    return new Caveat.SetRestriction(d, IdSet.ofSorted(IdSet.strings(b, v, end)));
  }

  private static Caveat.ToolsRestriction tools(byte[] b, int keyEnd, int end, CaveatFold into)
      throws CaveatFormatException {
    int v = value(b, keyEnd, end, " = ", "tools");
    ToolGrant grant;
    if (end - v == 1 && b[v] == '*') {
      grant = ToolGrant.ALL;
    } else if (end - v == 1 && b[v] == '-') {
      grant = ToolGrant.NONE;
    } else {
      checkElements(b, v, end, "tools");
      String[] elements = IdSet.strings(b, v, end);
      for (String e : elements) {
        if (!ToolGrant.isPattern(e) || e.equals("*")) {
          throw invalid("tools", "patterns are remote__tool or remote.tool, where only the tool part may hold '*'");
        }
      }
      grant = ToolGrant.ofSorted(elements);
    }
    if (into != null) {
      if (!into.reducer.applyTools(grant)) {
        throw new CaveatFormatException(Reason.INVALID_CAVEAT, CaveatFold.TOO_MANY_TOOL_PATTERNS);
      }
      return null;
    }
    return new Caveat.ToolsRestriction(grant);
  }

  /** Comma-separated identifiers, strictly increasing (sorted, distinct): checked on the bytes. */
  private static void checkElements(byte[] b, int from, int end, String key) throws CaveatFormatException {
    int count = 1;
    for (int i = from; i < end; i++) {
      if (b[i] == ',') {
        count++;
      }
    }
    if (count > IdSet.MAX_ELEMENTS) {
      throw invalid(key, "at most " + IdSet.MAX_ELEMENTS + " elements");
    }
    int prev = -1;
    int prevEnd = -1;
    int start = from;
    for (int i = from; i <= end; i++) {
      if (i == end || b[i] == ',') {
        int len = i - start;
        if (len == 0 || len > IdSet.MAX_ELEMENT_CHARS) {
          throw invalid(key, "elements are 1-" + IdSet.MAX_ELEMENT_CHARS + " characters");
        }
        for (int k = start; k < i; k++) {
          if ((CLASS[b[k] & 0xff] & ID) == 0) {
            throw invalid(key, "elements are made of A-Z a-z 0-9 . _ : / @ * -");
          }
        }
        if (prev >= 0 && !ascending(b, prev, prevEnd, start, i)) {
          throw invalid(key, "elements must be sorted and distinct");
        }
        prev = start;
        prevEnd = i;
        start = i + 1;
      }
    }
  }

  /**
   * Whether {@code b[a, aEnd)} sorts strictly before {@code b[c, cEnd)}: unsigned byte order, which for
   * these printable ASCII elements is their strings' order.
   */
  private static boolean ascending(byte[] b, int a, int aEnd, int c, int cEnd) {
    int n = Math.min(aEnd - a, cEnd - c);
    for (int k = 0; k < n; k++) {
      int d = (b[a + k] & 0xff) - (b[c + k] & 0xff);
      if (d != 0) {
        return d < 0;
      }
    }
    return aEnd - a < cEnd - c;
  }

  private static boolean contains(byte[] b, int from, int to, char c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUpperAlpha(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] < 'A' || b[i] > 'Z') {
        return false;
      }
    }
    return to > from;
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

  private static Caveat.TaskFact taskFact(byte[] b, int off, int end, CaveatFold into)
      throws CaveatFormatException {
    // task <ulid> epoch=<n> agent=<a> by=<urn> holder=<jkt|-> bind-by=<unix|-> #<tag>
    Cursor c = new Cursor(b, off + 5, end, "task");
    int task = c.ulid();
    c.expect(" epoch=");
    int epochEnd = c.wordEnd();
    long epoch = parseCanonical(b, c.pos, epochEnd, Long.MAX_VALUE - 1);
    if (epoch < 0) {
      throw invalid("task", "epoch must be a canonical decimal number");
    }
    c.pos = epochEnd;
    c.expect(" agent=");
    int agent = c.word(NAME, MAX_AGENT_CHARS, "agent must be 1-" + MAX_AGENT_CHARS + " characters of A-Z a-z 0-9 . _ -");
    int agentEnd = c.pos;
    c.expect(" by=");
    int by = c.word(URN, MAX_BY_CHARS, "by must be 1-" + MAX_BY_CHARS + " characters of A-Z a-z 0-9 . _ : / @ -");
    int byEnd = c.pos;
    c.expect(" holder=");
    int holder = c.dash() ? -1 : c.jkt();
    c.expect(" bind-by=");
    long bindBy = -1;
    if (!c.dash()) {
      int bindByEnd = c.wordEnd();
      bindBy = parseCanonical(b, c.pos, bindByEnd, MAX_EPOCH_SECOND);
      if (bindBy < 0) {
        throw invalid("task", "bind-by must be '-' or a canonical unix time");
      }
      c.pos = bindByEnd;
    }
    if (holder >= 0 && bindBy >= 0) {
      throw invalid("task", "a task with a holder has no bind deadline");
    }
    int bodyLength = c.pos - off;
    int tag = c.tag();
    if (into != null) {
      into.taskFact(b, bodyLength, task, epoch, agent, agentEnd, by, byEnd, holder, bindBy);
      return null;
    }
    return new Caveat.TaskFact(latin1(b, task, task + Ulid.LENGTH), epoch, latin1(b, agent, agentEnd),
        latin1(b, by, byEnd), holder < 0 ? null : latin1(b, holder, holder + JKT_CHARS),
        bindBy < 0 ? null : bindBy, bodyLength, latin1(b, tag, end));
  }

  private static Caveat.BindFact bindFact(byte[] b, int off, int end, CaveatFold into)
      throws CaveatFormatException {
    // bind <ulid> holder=<jkt> #<tag>
    Cursor c = new Cursor(b, off + 5, end, "bind");
    int task = c.ulid();
    c.expect(" holder=");
    int holder = c.jkt();
    int bodyLength = c.pos - off;
    int tag = c.tag();
    if (into != null) {
      into.bindFact(b, bodyLength, task, holder);
      return null;
    }
    return new Caveat.BindFact(latin1(b, task, task + Ulid.LENGTH), latin1(b, holder, holder + JKT_CHARS),
        bodyLength, latin1(b, tag, end));
  }

  static String latin1(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
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

    /** Checks a ULID at the cursor and returns where it starts. */
    int ulid() throws CaveatFormatException {
      if (end - pos < Ulid.LENGTH || !Ulid.isValid(b, pos)) {
        throw invalid(key, "task id must be a canonical ULID");
      }
      int at = pos;
      pos += Ulid.LENGTH;
      return at;
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

    /** Checks a word of class {@code cls} at the cursor and returns where it starts; the cursor ends it. */
    int word(int cls, int max, String rule) throws CaveatFormatException {
      // One pass: a byte outside the class and a wrong length are the same refusal.
      int e = pos;
      while (e < end && b[e] != ' ') {
        if ((CLASS[b[e] & 0xff] & cls) == 0) {
          throw invalid(key, rule);
        }
        e++;
      }
      if (e == pos || e - pos > max) {
        throw invalid(key, rule);
      }
      int at = pos;
      pos = e;
      return at;
    }

    boolean dash() {
      if (pos < end && b[pos] == '-' && (pos + 1 == end || b[pos + 1] == ' ')) {
        pos++;
        return true;
      }
      return false;
    }

    int jkt() throws CaveatFormatException {
      int e = wordEnd();
      if (e - pos != JKT_CHARS) {
        throw invalid(key, "holder must be a " + JKT_CHARS + "-character base64url JWK thumbprint");
      }
      return word(B64, JKT_CHARS, "holder must be a base64url JWK thumbprint");
    }

    /** Checks {@code " #<tag>"} ending the caveat and returns where the tag starts. */
    int tag() throws CaveatFormatException {
      if (!startsWith(b, pos, end, " #") || end - pos != 24) {
        throw invalid(key, "broker fact must end with ' #' and a 22-character tag");
      }
      pos += 2;
      for (int i = pos; i < end; i++) {
        if ((CLASS[b[i] & 0xff] & B64) == 0) {
          throw invalid(key, "tag is not base64url");
        }
      }
      return pos;
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
