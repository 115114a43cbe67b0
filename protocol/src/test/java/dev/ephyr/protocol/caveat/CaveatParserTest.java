package dev.ephyr.protocol.caveat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/** The closed caveat vocabulary: every key, its canonical rendering, and every rejection with its reason. */
class CaveatParserTest {
  static final String ULID = "01JDQ4Y3ZK8M2N5P7R9S0T1V2W";
  static final String JKT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
  static final String TAG = "4B0qhOi9PCCHKn4FA7Do-w";

  static Caveat parse(String s) {
    try {
      return CaveatParser.parse(s);
    } catch (CaveatFormatException e) {
      throw new AssertionError("rejected '" + s + "': " + e.getMessage(), e);
    }
  }

  static Reason reason(String s) {
    try {
      CaveatParser.parse(s);
      return null;
    } catch (CaveatFormatException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
      return e.reason();
    } catch (RuntimeException e) {
      throw new AssertionError("parser threw " + e + " for '" + s + "'", e);
    }
  }

  static String message(String s) {
    CaveatFormatException e = assertThrows(CaveatFormatException.class, () -> CaveatParser.parse(s), s);
    return e.getMessage();
  }

  /**
   * A set's grammar (characters, length, order) is reported first wherever it breaks, then the first
   * element that breaks its dimension's rule, with that rule named.
   */
  @Test
  void setElements_grammarFirst_thenTheFirstElementsRule() {
    assertTrue(message("methods = GET,a*").contains("'*' and '-' stand alone"));
    assertTrue(message("methods = GET,a").contains("methods are upper-case letters"));
    assertTrue(message("methods = GET,HEAD,a.b").contains("methods are upper-case letters"));
    assertTrue(message("remotes = a.b,c*").contains("remote names cannot contain '.'"));
    assertTrue(message("remotes = -,a").contains("'*' and '-' stand alone"));
    assertTrue(message("targets = a,b*").contains("'*' and '-' stand alone"));
    // grammar of a later element wins over a rule broken earlier
    assertTrue(message("methods = get,GET").contains("sorted and distinct"));
    assertTrue(message("remotes = a.b,c!").contains("elements are made of"));
    assertTrue(message("methods = a,b,").contains("1-64 characters"));
    // what the rules allow in other dimensions
    assertEquals(IdSet.of("a.b", "c"), ((Caveat.SetRestriction) parse("targets = a.b,c")).value());
    assertEquals(IdSet.of("GET", "a"), ((Caveat.SetRestriction) parse("roles = GET,a")).value());
    assertEquals(IdSet.of("GET", "HEAD"), ((Caveat.SetRestriction) parse("methods = GET,HEAD")).value());
  }

  /**
   * Every byte value at every position of caveats of several lengths, framed by non-printable bytes:
   * refused as not printable exactly when the byte is outside 0x20-0x7e.
   */
  @Test
  void everyByteValue_atEveryPosition_isRefusedExactlyWhenNotPrintable() {
    for (String valid : new String[] {"targets = abc,def", "methods = GET,HEAD,POST,PUT", "depth <= 3"}) {
      byte[] base = valid.getBytes(StandardCharsets.US_ASCII);
      for (int pos = 0; pos < base.length; pos++) {
        for (int v = 0; v < 256; v++) {
          byte[] b = base.clone();
          b[pos] = (byte) v;
          boolean printable = v >= 0x20 && v <= 0x7e;
          byte[] framed = new byte[b.length + 6]; // at an offset, with non-printable bytes around it
          java.util.Arrays.fill(framed, (byte) 0x7f);
          System.arraycopy(b, 0, framed, 3, b.length);
          String msg;
          try {
            CaveatParser.parse(framed, 3, b.length);
            msg = "";
          } catch (CaveatFormatException e) {
            msg = e.getMessage();
          }
          assertEquals(!printable, msg.contains("not printable ASCII"), valid + " pos " + pos + " byte " + v + ": " + msg);
        }
      }
    }
  }

  /** An unknown key is named in the refusal (up to 32 characters). */
  @Test
  void unknownKey_isNamedInFull() {
    assertTrue(message("targetsandmore = a").contains("'targetsandmore'"));
    assertTrue(message("x".repeat(40)).contains("'" + "x".repeat(32) + "'"));
    assertEquals(Reason.INVALID_CAVEAT, reason("targets")); // a known key without its operator
    assertEquals(Reason.UNKNOWN_CAVEAT, reason("servicesx = a"));
  }

  @Test
  void remotes_withDot_isInvalidBecauseTheDotSeparatesRemoteAndTool() {
    assertEquals(Reason.INVALID_CAVEAT, reason("remotes = a.b"));
  }

  @Test
  void setKeys_parseAndRenderCanonically() {
    for (Dimension d : Dimension.values()) {
      String v = d == Dimension.METHODS ? "GET,POST" : d == Dimension.REMOTES ? "a_b,c:d/e@f_g-h" : "a.b,c:d/e@f_g-h";
      Caveat.SetRestriction c = assertInstanceOf(Caveat.SetRestriction.class, parse(d.key() + " = " + v));
      assertEquals(d, c.dimension());
      assertEquals(d.key() + " = " + v, c.render());
      assertTrue(assertInstanceOf(Caveat.SetRestriction.class, parse(d.key() + " = *")).value().isAll());
      assertTrue(assertInstanceOf(Caveat.SetRestriction.class, parse(d.key() + " = -")).value().isNone());
      assertEquals(d.key() + " = *", ((Caveat.Restriction) parse(d.key() + " = *")).render());
      assertEquals(d.key() + " = -", ((Caveat.Restriction) parse(d.key() + " = -")).render());
    }
    assertEquals(IdSet.of("db", "web"), ((Caveat.SetRestriction) parse("targets = db,web")).value());
  }

  @Test
  void tools_parseAndRender() {
    Caveat.ToolsRestriction t = assertInstanceOf(Caveat.ToolsRestriction.class, parse("tools = gh.get_repo,gh.list_*"));
    assertTrue(t.value().allows("gh.list_repos"));
    assertTrue(t.value().allows("gh.get_repo"));
    assertTrue(!t.value().allows("gh.get_repos"));
    assertEquals("tools = gh.get_repo,gh.list_*", t.render());
    assertTrue(((Caveat.ToolsRestriction) parse("tools = *")).value().isAll());
    assertTrue(((Caveat.ToolsRestriction) parse("tools = -")).value().isNone());
    assertEquals("tools = *", ((Caveat.ToolsRestriction) parse("tools = *")).render());
    assertEquals("tools = -", ((Caveat.ToolsRestriction) parse("tools = -")).render());
  }

  @Test
  void scalarKeys_parseAndRender() {
    assertEquals(new Caveat.ExpiresRestriction(1767225600L), parse("expires < 1767225600"));
    assertEquals(new Caveat.ExpiresRestriction(0L), parse("expires < 0"));
    assertEquals(new Caveat.ExpiresRestriction(CaveatParser.MAX_EPOCH_SECOND), parse("expires < 99999999999"));
    assertEquals(new Caveat.DelegateRestriction(true), parse("delegate = true"));
    assertEquals(new Caveat.DelegateRestriction(false), parse("delegate = false"));
    assertEquals(new Caveat.DepthRestriction(0), parse("depth <= 0"));
    assertEquals(new Caveat.DepthRestriction(255), parse("depth <= 255"));
    for (String s : new String[] {"expires < 1767225600", "delegate = false", "depth <= 3"}) {
      assertEquals(s, ((Caveat.Restriction) parse(s)).render());
    }
  }

  @Test
  void taskFact_parsesEveryField() {
    String body = "task " + ULID + " epoch=7 agent=claude by=urn:ephyr:agent:claude holder=- bind-by=-";
    Caveat.TaskFact t = assertInstanceOf(Caveat.TaskFact.class, parse(body + " #" + TAG));
    assertEquals(ULID, t.task());
    assertEquals(7, t.epoch());
    assertEquals("claude", t.agent());
    assertEquals("urn:ephyr:agent:claude", t.by());
    assertNull(t.holder());
    assertNull(t.bindBy());
    assertEquals(body.length(), t.bodyLength());
    assertEquals(TAG, t.tag());
    assertEquals(body, BrokerFacts.taskBody(ULID, 7, "claude", "urn:ephyr:agent:claude", null, null));
    Caveat.TaskFact bound = (Caveat.TaskFact) parse("task " + ULID + " epoch=0 agent=a by=b holder=" + JKT + " bind-by=- #" + TAG);
    assertEquals(JKT, bound.holder());
    Caveat.TaskFact pending = (Caveat.TaskFact) parse("task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=1767225600 #" + TAG);
    assertEquals(1767225600L, pending.bindBy());
    Caveat.TaskFact maxEpoch = (Caveat.TaskFact) parse("task " + ULID + " epoch=9223372036854775806 agent=a by=b holder=- bind-by=- #" + TAG);
    assertEquals(Long.MAX_VALUE - 1, maxEpoch.epoch());
  }

  @Test
  void bindFact_parses() {
    Caveat.BindFact b = assertInstanceOf(Caveat.BindFact.class, parse("bind " + ULID + " holder=" + JKT + " #" + TAG));
    assertEquals(ULID, b.task());
    assertEquals(JKT, b.holder());
    assertEquals(TAG, b.tag());
    assertEquals(("bind " + ULID + " holder=" + JKT).length(), b.bodyLength());
    assertEquals("bind " + ULID + " holder=" + JKT, BrokerFacts.bindBody(ULID, JKT));
  }

  static Stream<String> unknownKeys() {
    return Stream.of(
      "account = 3735928559", "holder = x", "time < 5", "Targets = web", "TARGETS = web", "target = web",
      "targetsx = web", "toolz = a.b", "expire < 1", "depths <= 1", "x", "taskX 1", "binds x", "=", "a b c",
      "tasks " + ULID, "cid = 1"
    );
  }

  @ParameterizedTest
  @MethodSource("unknownKeys")
  void unknownKeys_areUnknownCaveat(String s) {
    assertEquals(Reason.UNKNOWN_CAVEAT, reason(s), s);
  }

  static Stream<String> badValues() {
    return Stream.of(
      // operators and spacing
      "targets  = web", "targets =  web", "targets = web ", "targets < web", "targets == web",
      "targets", "targets ", "targets = ", "targets =", "targets = web db", "targets\t= web", "expires <= 5",
      "expires = 5", "depth < 3", "depth = 3", "delegate == true", "delegate < true", "tools == a.b",
      // set values
      "targets = web,db", "targets = db,db", "targets = db,", "targets = ,db", "targets = db,,web", "targets = *,web",
      "targets = a*", "targets = a b", "targets = a;b", "targets = a\"b", "targets = " + "x".repeat(65),
      "methods = get", "methods = GET,post", "methods = G3T", "roles = r!",
      // tools values
      "tools = gh", "tools = .x", "tools = gh.", "tools = *.x", "g*.x", "tools = g*.x", "tools = *,gh.x",
      "tools = gh.b,gh.a", "tools = gh.a,gh.a", "tools = gh.a b",
      // numbers
      "expires < -1", "expires < +5", "expires < 05", "expires < 1.0", "expires < 1e9", "expires < 100000000000",
      "expires < 99999999999999999999", "expires < ", "expires < x", "depth <= 256", "depth <= -1", "depth <= 01",
      "depth <= 9223372036854775808",
      "delegate = yes", "delegate = TRUE", "delegate = 1", "delegate = true,false",
      // non-printable / non-ASCII
      "targets = w\u00e9b", "targets = web\u0000", "targets = web\n", "\u00fftargets = web", "targets = \u2028",
      "targets = we\u007fb"
    );
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void badValues_areInvalidCaveat(String s) {
    Reason r = reason(s);
    if (s.startsWith("g*.x")) {
      assertEquals(Reason.UNKNOWN_CAVEAT, r, s);
      return;
    }
    assertEquals(Reason.INVALID_CAVEAT, r, s);
  }

  static Stream<String> badFacts() {
    return Stream.of(
      "task", "task ", "task " + ULID, "task " + ULID.toLowerCase() + " epoch=0 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=00 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=-1 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=9223372036854775807 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=99999999999999999999 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent= by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a:b by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b*c holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=short bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=" + JKT + "x bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=" + JKT.replace('-', '+') + " bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=" + JKT + " bind-by=5 #" + TAG, // holder and deadline
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=05 #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=100000000000 #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=-",
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- #",
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- #" + TAG + "A",
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- #" + TAG.substring(1),
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- # " + TAG.substring(1),
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- #4B0qhOi9PCCHKn4FA7Do+w",
      "task " + ULID + " epoch=0 agent=a by=b holder=- bind-by=- x #" + TAG,
      "task " + ULID + " epoch=0 by=b agent=a holder=- bind-by=- #" + TAG,
      "task " + ULID + "  epoch=0 agent=a by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=" + "a".repeat(65) + " by=b holder=- bind-by=- #" + TAG,
      "task " + ULID + " epoch=0 agent=a by=" + "b".repeat(129) + " holder=- bind-by=- #" + TAG,
      "bind", "bind " + ULID, "bind " + ULID + " holder=- #" + TAG, "bind " + ULID + " holder=" + JKT,
      "bind " + ULID + " holder=" + JKT + " #" + TAG + " ", "bind " + ULID + " holder=" + JKT + " #" + TAG.substring(2),
      "bind 81JDQ4Y3ZK8M2N5P7R9S0T1V2W holder=" + JKT + " #" + TAG
    );
  }

  @ParameterizedTest
  @MethodSource("badFacts")
  void badFacts_areInvalidCaveat(String s) {
    assertEquals(Reason.INVALID_CAVEAT, reason(s), s);
  }

  /**
   * Finding: {@code -} means "none" only when it stands alone, yet it is accepted as an element inside a
   * list ({@code targets = -,a} grants an identifier literally named "-"), while {@code *} inside a list is
   * refused. Two meanings for one spelling break "one canonical form"; see also
   * EnvelopeAlgebraTest#idSetOfDash_roundTripsThroughItsRendering.
   */
  @Test
  void setValue_dashInsideAList_isInvalid() {
    assertEquals(Reason.INVALID_CAVEAT, reason("targets = -,a"));
    assertEquals(Reason.INVALID_CAVEAT, reason("tools = -,gh.x"));
  }

  @Test
  void limits_atTheEdge() {
    StringBuilder ok = new StringBuilder("targets = ");
    for (int i = 0; i < IdSet.MAX_ELEMENTS; i++) {
      ok.append(i == 0 ? "" : ",").append(String.format("e%03d", i));
    }
    assertEquals(IdSet.MAX_ELEMENTS, ((Caveat.SetRestriction) parse(ok.toString())).value().elements().size());
    assertEquals(Reason.INVALID_CAVEAT, reason(ok + ",e999"));
    assertEquals(1, ((Caveat.SetRestriction) parse("targets = " + "x".repeat(64))).value().elements().size());
    String name = "task " + ULID + " epoch=0 agent=" + "a".repeat(64) + " by=" + "b".repeat(128) + " holder=- bind-by=- #" + TAG;
    assertInstanceOf(Caveat.TaskFact.class, parse(name));
  }

  @Test
  void parse_bytesOffset_parsesOnlyTheSlice() throws Exception {
    byte[] b = "XXtargets = webYY".getBytes(StandardCharsets.US_ASCII);
    Caveat c = CaveatParser.parse(b, 2, 13);
    assertEquals(IdSet.of("web"), ((Caveat.SetRestriction) c).value());
    byte[] bad = {(byte) 0xc3, (byte) 0xa9};
    assertEquals(Reason.INVALID_CAVEAT, assertThrows(CaveatFormatException.class, () -> CaveatParser.parse(bad, 0, 2)).reason());
  }

  @Test
  void renderedRestrictions_parseBackToThemselves() {
    Random r = new Random(8);
    String[] pool = {"a", "b.c", "d:e", "f/g", "h@i", "j_k", "l-m", "N0"};
    for (int n = 0; n < 2000; n++) {
      java.util.TreeSet<String> s = new java.util.TreeSet<>();
      int k = 1 + r.nextInt(pool.length);
      for (int i = 0; i < k; i++) {
        s.add(pool[r.nextInt(pool.length)]);
      }
      Dimension d = Dimension.values()[r.nextInt(4)];
      if (d == Dimension.METHODS) {
        d = Dimension.TARGETS;
      }
      Caveat.SetRestriction c = new Caveat.SetRestriction(d, IdSet.of(s));
      assertEquals(c, parse(c.render()), "case " + n);
    }
  }

  @Test
  void randomStrings_onlyEverThrowCaveatFormatException() {
    Random r = new Random(2024);
    String[] seeds = {"targets = ", "tools = ", "expires < ", "depth <= ", "delegate = ", "task " + ULID + " epoch=",
        "bind " + ULID + " holder=", "methods = ", ""};
    String alphabet = " =<,.*-_:/@#abcxyzABCXYZ0123456789\u00e9\u0000\u007f\uD83D\uDE00\u2028";
    for (int n = 0; n < 100_000; n++) {
      StringBuilder sb = new StringBuilder(seeds[r.nextInt(seeds.length)]);
      int len = r.nextInt(r.nextInt(10) == 0 ? 300 : 30);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String s = sb.toString();
      try {
        Caveat c = CaveatParser.parse(s);
        if (c instanceof Caveat.Restriction restriction) {
          // Anything accepted is in canonical form: it renders back to the same text.
          assertEquals(s, restriction.render(), "case " + n);
        }
      } catch (CaveatFormatException e) {
        assertTrue(e.reason() == Reason.UNKNOWN_CAVEAT || e.reason() == Reason.INVALID_CAVEAT, "case " + n);
      } catch (RuntimeException e) {
        throw new AssertionError("case " + n + " threw " + e + " for '" + s + "'", e);
      }
    }
  }

  @Test
  void randomBytes_onlyEverThrowCaveatFormatException() {
    Random r = new Random(77);
    for (int n = 0; n < 100_000; n++) {
      byte[] b = new byte[r.nextInt(80)];
      r.nextBytes(b);
      if (b.length > 6 && r.nextBoolean()) {
        System.arraycopy("task ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 5);
      }
      try {
        CaveatParser.parse(b, 0, b.length);
      } catch (CaveatFormatException e) {
        assertTrue(e.reason() != null, "case " + n);
      } catch (RuntimeException e) {
        throw new AssertionError("case " + n + " threw " + e, e);
      }
    }
  }
}
