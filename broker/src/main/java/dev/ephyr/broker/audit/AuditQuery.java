package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Set;

/**
 * A search of audit records: by task subtree, agent, time range and decision, at most {@code limit} records
 * (the latest ones that match, returned oldest first).
 *
 * @param task records in the subtree of this task: acting in it (its id in the lineage) or acting on it
 *     ({@code resource task:<id>}); null for any
 * @param agent the agent, or null
 * @param since from this time (inclusive), or null
 * @param until before this time (exclusive), or null
 * @param decision {@code allow}, {@code deny} or {@code error}, or null
 * @param limit most records returned (1-{@link #MAX_LIMIT})
 */
public record AuditQuery(String task, String agent, Instant since, Instant until, String decision, int limit) {
  /** Most records a query returns. */
  public static final int MAX_LIMIT = 5000;
  /** Records returned when no limit is given. */
  public static final int DEFAULT_LIMIT = 500;
  private static final Set<String> DECISIONS = Set.of("allow", "deny", "error");

  /** Orders merged records: time, then node, then seq. */
  public static final Comparator<JsonObject> ORDER = Comparator
      .comparing((JsonObject o) -> String.valueOf(o.getValue("time")))
      .thenComparing(o -> String.valueOf(o.getValue("node")))
      .thenComparingLong(o -> o.getValue("seq") instanceof Number n ? n.longValue() : 0L);

  /** A bad query argument. */
  public static final class BadQuery extends Exception {
    private static final long serialVersionUID = 1L;

    BadQuery(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads a query from its JSON form ({@code task, agent, since, until, decision, limit}); strict. */
  public static AuditQuery fromJson(JsonObject o) throws BadQuery {
    for (String k : o.fieldNames()) {
      if (!Set.of("task", "agent", "since", "until", "decision", "limit").contains(k)) {
        throw new BadQuery("unknown query field '" + clip(k) + "' (known: task, agent, since, until, decision, limit)");
      }
    }
    String task = string(o, "task", 32);
    String agent = string(o, "agent", 64);
    Instant since = time(o, "since");
    Instant until = time(o, "until");
    String decision = string(o, "decision", 8);
    if (decision != null && !DECISIONS.contains(decision)) {
      throw new BadQuery("decision must be allow, deny or error");
    }
    int limit = DEFAULT_LIMIT;
    Object l = o.getValue("limit");
    if (l != null) {
      long n;
      if (l instanceof Number num) {
        n = num.longValue();
      } else {
        try {
          n = Long.parseLong(String.valueOf(l));
        } catch (NumberFormatException e) {
          throw new BadQuery("limit must be a number");
        }
      }
      if (n < 1 || n > MAX_LIMIT) {
        throw new BadQuery("limit must be 1-" + MAX_LIMIT);
      }
      limit = (int) n;
    }
    if (since != null && until != null && !since.isBefore(until)) {
      throw new BadQuery("since must be before until");
    }
    return new AuditQuery(task, agent, since, until, decision, limit);
  }

  /** The JSON form. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("limit", limit);
    if (task != null) {
      o.put("task", task);
    }
    if (agent != null) {
      o.put("agent", agent);
    }
    if (since != null) {
      o.put("since", since.toString());
    }
    if (until != null) {
      o.put("until", until.toString());
    }
    if (decision != null) {
      o.put("decision", decision);
    }
    return o;
  }

  /** Whether {@code r} (a record as written) matches. */
  public boolean matches(JsonObject r) {
    if (agent != null && !agent.equals(r.getValue("agent"))) {
      return false;
    }
    if (decision != null && !decision.equals(r.getValue("decision"))) {
      return false;
    }
    if (since != null || until != null) {
      Instant t;
      try {
        t = Instant.parse(String.valueOf(r.getValue("time")));
      } catch (DateTimeParseException e) {
        return false;
      }
      if ((since != null && t.isBefore(since)) || (until != null && !t.isBefore(until))) {
        return false;
      }
    }
    if (task != null) {
      if (task.equals(r.getValue("task")) || task.equals(r.getValue("root"))
          || ("task:" + task).equals(r.getValue("resource"))) {
        return true;
      }
      return r.getValue("lineage") instanceof JsonArray a && a.contains(task);
    }
    return true;
  }

  private static String string(JsonObject o, String key, int max) throws BadQuery {
    Object v = o.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.length() > max) {
      throw new BadQuery(key + " must be a string of 1-" + max + " characters");
    }
    return s;
  }

  private static Instant time(JsonObject o, String key) throws BadQuery {
    String s = string(o, key, 40);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new BadQuery(key + " must be an ISO-8601 instant like 2026-01-31T12:00:00Z");
    }
  }

  private static String clip(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }
}
