package dev.ephyr.broker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Query arguments are strict and bounded; subtree matching follows lineage and the acted-on task. */
class AuditQueryTest {
  static final String T = "01M8DZ8GR86226TGSPW5PQNNDJ";

  private static String bad(JsonObject o) {
    return assertThrows(AuditQuery.BadQuery.class, () -> AuditQuery.fromJson(o)).getMessage();
  }

  @Test
  void badArguments_getClearErrors() {
    assertTrue(bad(new JsonObject().put("tsk", T)).startsWith("unknown query field 'tsk'"));
    assertEquals("decision must be allow, deny or error", bad(new JsonObject().put("decision", "maybe")));
    assertEquals("limit must be 1-5000", bad(new JsonObject().put("limit", 0)));
    assertEquals("limit must be 1-5000", bad(new JsonObject().put("limit", "99999")));
    assertEquals("limit must be a number", bad(new JsonObject().put("limit", "ten")));
    assertTrue(bad(new JsonObject().put("since", "yesterday")).startsWith("since must be an ISO-8601 instant"));
    assertEquals("since must be before until", bad(new JsonObject().put("since", "2026-01-02T00:00:00Z")
        .put("until", "2026-01-01T00:00:00Z")));
    assertTrue(bad(new JsonObject().put("task", "x".repeat(33))).startsWith("task must be a string of 1-32"));
    assertTrue(bad(new JsonObject().put("agent", 5)).startsWith("agent must be a string"));
  }

  @Test
  void subtree_matchesLineage_resource_andRoot_only() throws Exception {
    AuditQuery q = AuditQuery.fromJson(new JsonObject().put("task", T));
    assertTrue(q.matches(new JsonObject().put("lineage", new JsonArray().add("R").add(T).add("C"))));
    assertTrue(q.matches(new JsonObject().put("resource", "task:" + T)));
    assertTrue(q.matches(new JsonObject().put("root", T)));
    assertFalse(q.matches(new JsonObject().put("lineage", new JsonArray().add("R")).put("resource", "task:R")));
    assertFalse(q.matches(new JsonObject().put("resource", "task:" + T + "X")));
  }

  @Test
  void timeRange_isHalfOpen() throws Exception {
    AuditQuery q = AuditQuery.fromJson(new JsonObject().put("since", "2026-01-01T00:00:00Z")
        .put("until", "2026-01-02T00:00:00Z").put("decision", "deny"));
    assertTrue(q.matches(new JsonObject().put("time", "2026-01-01T00:00:00Z").put("decision", "deny")));
    assertFalse(q.matches(new JsonObject().put("time", "2026-01-02T00:00:00Z").put("decision", "deny")));
    assertFalse(q.matches(new JsonObject().put("time", "2026-01-01T10:00:00Z").put("decision", "allow")));
    assertFalse(q.matches(new JsonObject().put("time", "garbage").put("decision", "deny")));
  }
}
