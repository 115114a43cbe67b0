package dev.ephyr.protocol.caveat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CaveatFold} (the verifier's path: caveats parsed straight into the envelope, sets intersected on the
 * bytes) and {@link CaveatParser} agree with the strict reference ({@link ReferenceCaveatParser}, the parser
 * before the fold, with {@link EnvelopeReducer#apply}) on every caveat of random and mangled chains: the
 * same caveat or broker-fact fields, the same refusal (reason and message), and the same envelope after
 * every step.
 */
class CaveatFoldAgreementTest {
  private static final String[] ELEMENTS = {
    "a", "aa", "ab", "b", "web", "web-1", "web-2", "db-1", "A", "GET", "HEAD", "POST", "a.b", "x:y/z@w",
    "gh", "jira", "read", "deploy", "admin", "-", "*", "a*", "Z", "0", "_", "a_b", "web-1x"
  };
  private static final String[] PATTERNS = {
    "gh.list_*", "gh.get_repo", "jira.search", "gh__x", "gh__*", "a.b", "jira__c_*", "*", "x", ".a"
  };
  private static final String[] KEYS = {"targets", "roles", "services", "methods", "remotes"};
  private static final String B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final String[] TASKS = new String[4];

  static {
    Random r = new Random(7);
    for (int i = 0; i < TASKS.length; i++) {
      TASKS[i] = ulid(r);
    }
  }

  /** Random chains of valid and mangled caveats, folded both ways, compared after every caveat. */
  @Test
  void randomChains_foldAgreesWithTheReferenceAtEveryStep() {
    Random r = new Random(20261204);
    int refused = 0;
    int facts = 0;
    for (int chain = 0; chain < 3000; chain++) {
      Side ref = new Side(true);
      Side fast = new Side(false);
      int n = 1 + r.nextInt(30);
      for (int i = 0; i < n; i++) {
        byte[] c = caveat(r);
        if (r.nextInt(4) == 0) {
          c = mangle(r, c);
        }
        String a = ref.step(c);
        String b = fast.step(c);
        String at = "chain " + chain + " caveat " + i + " '" + new String(c, StandardCharsets.ISO_8859_1) + "'";
        assertEquals(a, b, at);
        assertEquals(ref.state(), fast.state(), at);
        refused += a.startsWith("refused") ? 1 : 0;
        facts += a.startsWith("task") || a.startsWith("bind") ? 1 : 0;
      }
    }
    // The generator reaches both outcomes often: the comparison is not vacuous.
    assertTrue(refused > 5_000 && facts > 3_000, "refused " + refused + ", facts " + facts);
  }

  /** Every byte value at every position of caveats of each kind: the same outcome both ways. */
  @Test
  void everyByteAtEveryPosition_sameOutcome() {
    String[] seeds = {
      "targets = a,ab,b", "methods = GET,HEAD", "remotes = gh,jira", "tools = gh.list_*,jira.search",
      "expires < 1700000000", "delegate = true", "depth <= 3", "roles = *", "services = -",
      "task " + TASKS[0] + " epoch=3 agent=claude by=urn:ephyr:agent:claude holder=- bind-by=1700000000 #"
          + "4B0qhOi9PCCHKn4FA7Do-w",
      "bind " + TASKS[1] + " holder=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs #4B0qhOi9PCCHKn4FA7Do-w"
    };
    for (String seed : seeds) {
      byte[] base = seed.getBytes(StandardCharsets.US_ASCII);
      for (int pos = 0; pos < base.length; pos++) {
        for (int v = 0; v < 256; v++) {
          byte[] c = base.clone();
          c[pos] = (byte) v;
          // Sets also after a set that leaves something to intersect with, so the byte-wise intersection runs.
          String[] befores = seed.startsWith("targets") || seed.startsWith("methods")
              ? new String[] {null, "targets = a,aa,b,web-1", "methods = GET,POST"} : new String[] {null};
          for (String before : befores) {
            Side ref = new Side(true);
            Side fast = new Side(false);
            if (before != null) {
              ref.step(before.getBytes(StandardCharsets.US_ASCII));
              fast.step(before.getBytes(StandardCharsets.US_ASCII));
            }
            String at = seed + " with " + v + " at " + pos + " after " + before;
            assertEquals(ref.step(c), fast.step(c), at);
            assertEquals(ref.state(), fast.state(), at);
          }
        }
      }
    }
  }

  /** The set intersection on bytes against every pair of small sets over a prefix-heavy alphabet. */
  @Test
  void setIntersections_onBytes_matchTheStringIntersection() {
    String[] alphabet = {"a", "a-", "a-1", "aa", "ab", "b", "ba"};
    for (int x = 1; x < 1 << alphabet.length; x++) {
      for (int y = 1; y < 1 << alphabet.length; y++) {
        IdSet first = IdSet.of(subset(alphabet, x));
        IdSet second = IdSet.of(subset(alphabet, y));
        byte[] text = second.render().getBytes(StandardCharsets.US_ASCII);
        IdSet onBytes = first.intersectElements(text, 0, text.length);
        assertEquals(first.intersect(second), onBytes, first + " ∩ " + second);
        assertEquals(first.intersect(second).isNone(), onBytes == IdSet.NONE, first + " ∩ " + second);
      }
    }
  }

  private static List<String> subset(String[] alphabet, int mask) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < alphabet.length; i++) {
      if ((mask & (1 << i)) != 0) {
        out.add(alphabet[i]);
      }
    }
    return out;
  }

  /** One way of reading a chain: the reference parser with the reducer, or the fold (and the new parser). */
  private static final class Side {
    final boolean reference;
    final EnvelopeReducer reducer = new EnvelopeReducer();
    final CaveatFold fold = new CaveatFold();

    Side(boolean reference) {
      this.reference = reference;
    }

    /** The outcome of one caveat, as text: refusal, restriction, or the fact's fields. */
    String step(byte[] c) {
      if (reference) {
        Caveat parsed;
        try {
          parsed = ReferenceCaveatParser.parse(c, 0, c.length);
        } catch (CaveatFormatException e) {
          return "refused " + e.reason() + ": " + e.getMessage();
        }
        if (parsed instanceof Caveat.Restriction r) {
          return reducer.apply(r) ? "restriction" : "refused INVALID_CAVEAT: " + CaveatFold.TOO_MANY_TOOL_PATTERNS;
        }
        if (parsed instanceof Caveat.TaskFact t) {
          return "task " + t.task() + " " + t.epoch() + " " + t.agent() + " " + t.by() + " " + t.holder() + " "
              + t.bindBy() + " " + t.bodyLength();
        }
        Caveat.BindFact f = (Caveat.BindFact) parsed;
        return "bind " + f.task() + " " + f.holder() + " " + f.bodyLength();
      }
      String viaParser = parserOutcome(c);
      CaveatFold.Kind kind;
      try {
        kind = fold.next(c, 0, c.length);
      } catch (CaveatFormatException e) {
        String refused = "refused " + e.reason() + ": " + e.getMessage();
        assertTrue(viaParser.equals(refused) || e.getMessage().equals(CaveatFold.TOO_MANY_TOOL_PATTERNS),
            "parser and fold refuse differently: " + viaParser + " / " + refused);
        return refused;
      }
      String out = switch (kind) {
        case RESTRICTION -> "restriction";
        case TASK_FACT -> "task " + fold.factTask() + " " + fold.taskEpoch() + " " + fold.taskAgent(null) + " "
            + fold.taskBy() + " " + fold.factHolder() + " " + fold.taskBindBy() + " " + fold.factBodyLength();
        case BIND_FACT -> "bind " + fold.factTask() + " " + fold.factHolder() + " " + fold.factBodyLength();
      };
      assertEquals(viaParser, out, "parser and fold read the caveat differently");
      return out;
    }

    /** {@link CaveatParser#parse} must give the reference's caveat (compared as records). */
    private static String parserOutcome(byte[] c) {
      Caveat expected;
      try {
        expected = ReferenceCaveatParser.parse(c, 0, c.length);
      } catch (CaveatFormatException e) {
        try {
          CaveatParser.parse(c, 0, c.length);
        } catch (CaveatFormatException mine) {
          return "refused " + mine.reason() + ": " + mine.getMessage();
        }
        return "accepted what the reference refused";
      }
      Caveat mine;
      try {
        mine = CaveatParser.parse(c, 0, c.length);
      } catch (CaveatFormatException e) {
        return "refused what the reference accepted: " + e.getMessage();
      }
      assertEquals(expected, mine, "parser result");
      if (mine instanceof Caveat.TaskFact t) {
        return "task " + t.task() + " " + t.epoch() + " " + t.agent() + " " + t.by() + " " + t.holder() + " "
            + t.bindBy() + " " + t.bodyLength();
      }
      if (mine instanceof Caveat.BindFact f) {
        return "bind " + f.task() + " " + f.holder() + " " + f.bodyLength();
      }
      return "restriction";
    }

    /** Everything the reduction exposes. */
    String state() {
      EnvelopeReducer r = reference ? reducer : fold.reducer();
      return r.result() + " delegation=" + r.delegationAllowed() + " depth=" + r.depthLimit() + " expiry="
          + r.hasExpiry();
    }
  }

  private static byte[] caveat(Random r) {
    String s = switch (r.nextInt(10)) {
      case 0, 1, 2 -> KEYS[r.nextInt(KEYS.length)] + " = " + list(r, ELEMENTS);
      case 3 -> "tools = " + list(r, PATTERNS);
      case 4 -> "expires < " + (r.nextBoolean() ? 1_700_000_000L + r.nextInt(100) : r.nextInt(3));
      case 5 -> "delegate = " + (r.nextBoolean() ? "true" : "false");
      case 6 -> "depth <= " + r.nextInt(7);
      case 7, 8 -> "task " + TASKS[r.nextInt(TASKS.length)] + " epoch=" + r.nextInt(3) + " agent="
          + (r.nextBoolean() ? "claude" : "a.b-c_d") + " by=urn:ephyr:task:" + TASKS[r.nextInt(TASKS.length)]
          + " holder=" + (r.nextInt(3) == 0 ? jkt(r) : "-") + " bind-by=" + (r.nextBoolean() ? "-" : "1700000000")
          + " #" + random(r, B64, 22);
      default -> "bind " + TASKS[r.nextInt(TASKS.length)] + " holder=" + jkt(r) + " #" + random(r, B64, 22);
    };
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Mostly sorted distinct lists; sometimes unsorted, repeated, '*' or '-', or too long. */
  private static String list(Random r, String[] pool) {
    int roll = r.nextInt(20);
    if (roll == 0) {
      return "*";
    }
    if (roll == 1) {
      return "-";
    }
    List<String> picked = new ArrayList<>();
    int n = roll == 2 ? 65 : 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      picked.add(roll == 2 ? "e" + (100 + i) : pool[r.nextInt(pool.length)]);
    }
    if (r.nextInt(5) != 0) {
      picked = new ArrayList<>(new java.util.TreeSet<>(picked));
    }
    return String.join(",", picked);
  }

  private static byte[] mangle(Random r, byte[] c) {
    byte[] alphabet = " ,=<#-*._:/@AZaz09\t\u007f".getBytes(StandardCharsets.ISO_8859_1);
    byte any = r.nextBoolean() ? alphabet[r.nextInt(alphabet.length)] : (byte) r.nextInt(256);
    int pos = c.length == 0 ? 0 : r.nextInt(c.length);
    switch (r.nextInt(4)) {
      case 0:
        if (c.length > 0) {
          c[pos] = any;
        }
        return c;
      case 1: {
        byte[] out = new byte[c.length + 1];
        System.arraycopy(c, 0, out, 0, pos);
        out[pos] = any;
        System.arraycopy(c, pos, out, pos + 1, c.length - pos);
        return out;
      }
      case 2:
        return c.length == 0 ? c : concat(Arrays.copyOfRange(c, 0, pos), Arrays.copyOfRange(c, pos + 1, c.length));
      default:
        return Arrays.copyOfRange(c, 0, pos);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String ulid(Random r) {
    return "0" + random(r, CROCKFORD, 25);
  }

  private static String jkt(Random r) {
    return random(r, B64, 43);
  }

  private static String random(Random r, String alphabet, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }
}
