package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The complete example in docs/policy.md parses, and every key the parser knows is documented there. */
class PolicyDocsTest {

  private static String doc() throws Exception {
    Path p = Path.of("../docs/policy.md");
    if (!Files.exists(p)) {
      p = Path.of("docs/policy.md");
    }
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void theCompleteExample_isAValidPolicy() throws Exception {
    Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(doc());
    assertTrue(m.find(), "docs/policy.md has no yaml example");
    Policy p = Policy.parse(m.group(1), "docs/policy.md example");
    assertEquals(2, p.agents().size());
    assertTrue(p.agent("claude").orElseThrow().mayDelegateTo("codex"));
    assertEquals(1, p.admins().size());
    assertEquals(List.of(), p.warnings());
  }

  @Test
  void everyKey_isDocumented() throws Exception {
    String doc = doc();
    for (List<String> keys : List.of(PolicyParser.TOP_KEYS, PolicyParser.AGENT_KEYS, PolicyParser.TEMPLATE_KEYS,
        PolicyParser.ROLE_KEYS, PolicyParser.TARGET_KEYS, PolicyParser.SERVICE_KEYS, PolicyParser.REMOTE_KEYS,
        PolicyParser.AUTH_KEYS, PolicyParser.ADMIN_KEYS)) {
      for (String key : keys) {
        assertTrue(doc.contains("`" + key + "`") || doc.contains("`" + key + ".") || doc.contains("`" + key + "s"),
            "docs/policy.md does not document '" + key + "'");
      }
    }
  }
}
