package dev.ephyr.broker.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each built-in tool's annotations, and the merge of a federated tool's: never safer than its remote says. */
class ToolAnnotationsTest {

  /** name → readOnly, destructive, idempotent, openWorld: the whole table, written out a second time. */
  private static final Map<String, List<Boolean>> EXPECTED = Map.ofEntries(
      Map.entry("task_create", List.of(false, false, false, false)),
      Map.entry("task_delegate", List.of(false, false, false, false)),
      Map.entry("task_bind", List.of(false, false, false, false)),
      Map.entry("task_info", List.of(true, false, true, false)),
      Map.entry("task_list", List.of(true, false, true, false)),
      Map.entry("task_revoke", List.of(false, true, true, false)),
      Map.entry("task_reissue", List.of(false, true, false, false)),
      Map.entry("list_targets", List.of(true, false, true, false)),
      Map.entry("exec", List.of(false, true, false, true)),
      Map.entry("session_create", List.of(false, false, false, true)),
      Map.entry("session_close", List.of(false, true, true, false)),
      Map.entry("list_sessions", List.of(true, false, true, false)),
      Map.entry("list_certs", List.of(true, false, true, false)),
      Map.entry("list_services", List.of(true, false, true, false)),
      Map.entry("http_request", List.of(false, true, false, true)),
      Map.entry("list_remotes", List.of(true, false, true, false)));

  private static List<Boolean> hints(JsonObject a) {
    return List.of(a.getBoolean("readOnlyHint"), a.getBoolean("destructiveHint"), a.getBoolean("idempotentHint"),
        a.getBoolean("openWorldHint"));
  }

  @Test
  void everyBuiltInTool_hasItsAnnotations_inItsDescriptor() {
    assertEquals(EXPECTED.keySet(), ToolAnnotations.BUILT_IN.keySet());
    for (var e : EXPECTED.entrySet()) {
      JsonObject d = ToolSchemas.tool(e.getKey(), "d", new JsonObject(), List.of());
      JsonObject a = d.getJsonObject("annotations");
      assertNotNull(a, e.getKey());
      assertEquals(e.getValue(), hints(a), e.getKey());
      assertEquals(d.getString("title"), a.getString("title"), e.getKey());
    }
  }

  @Test
  void aFederatedTool_keepsWhatItsRemoteSays() {
    JsonObject a = ToolAnnotations.federated(new JsonObject().put("title", "List repositories")
        .put("readOnlyHint", true).put("destructiveHint", false).put("idempotentHint", true)
        .put("openWorldHint", false), "fallback");
    assertEquals(List.of(true, false, true, false), hints(a));
    assertEquals("List repositories", a.getString("title"));
  }

  @Test
  void aHintTheRemoteLeftOut_takesTheCautiousDefault() {
    // Only readOnly given: destructive, idempotent and open world are not assumed in the tool's favour.
    JsonObject a = ToolAnnotations.federated(new JsonObject().put("readOnlyHint", false), "gh__x");
    assertEquals(List.of(false, true, false, true), hints(a));
    assertEquals("gh__x", a.getString("title"));
    // No annotations at all, or not an object: every default.
    assertEquals(List.of(false, true, false, true), hints(ToolAnnotations.federated(null, "t")));
    assertEquals(List.of(false, true, false, true), hints(ToolAnnotations.federated("readOnly", "t")));
  }

  @Test
  void hintsThatAreNotBooleans_countAsMissing() {
    JsonObject a = ToolAnnotations.federated(new JsonObject().put("readOnlyHint", "true")
        .put("destructiveHint", 0).put("idempotentHint", "yes").put("openWorldHint", new JsonObject()), "t");
    assertEquals(List.of(false, true, false, true), hints(a));
  }

  @Test
  void aRemoteThatSaysReadOnly_staysReadOnly_andItsOtherHintsAreNotImproved() {
    JsonObject a = ToolAnnotations.federated(new JsonObject().put("readOnlyHint", true), "t");
    assertEquals(true, a.getBoolean("readOnlyHint"));
    assertEquals(true, a.getBoolean("destructiveHint"), "not given, so the default");
    assertEquals(true, a.getBoolean("openWorldHint"));
  }
}
