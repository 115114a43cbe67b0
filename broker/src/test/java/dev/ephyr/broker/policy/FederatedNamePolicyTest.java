package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.caveat.ToolGrant;
import org.junit.jupiter.api.Test;

/** Policy rules behind the {@code remote__tool} names: remote names that keep them unambiguous, both spellings. */
class FederatedNamePolicyTest {

  @Test
  void remoteNames_thatWouldMakeNamesAmbiguous_areRefused() throws Exception {
    for (String bad : new String[] {"my__srv", "gh_", "a___b"}) {
      PolicyException e = assertThrows(PolicyException.class, () -> Policy.parse("version: 1\nremotes:\n  " + bad
          + ": { url: \"https://x/mcp\" }\n", "p.yaml"));
      assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("bad name '" + bad + "' in remotes")
          && p.message().contains("no '__'")), e.problems().toString());
    }
    Policy.parse("version: 1\nremotes:\n  my_srv-2: { url: \"https://x/mcp\" }\n", "p.yaml");
  }

  @Test
  void toolGlobs_inEitherSpelling_grantTheSameTools_andNameTheirRemote() throws Exception {
    Policy p = Policy.parse("version: 1\nremotes:\n  gh: { url: \"https://gh/mcp\" }\n"
        + "agents:\n  x:\n    remotes: [gh]\n    tools: [\"gh__list_*\", \"gh.get_issue\"]\n", "p.yaml");
    ToolGrant g = p.agent("x").orElseThrow().grant().tools();
    assertTrue(g.allows("gh", "list_repos", "list_repos"));
    assertTrue(g.allows("gh", "get_issue", "get_issue"));
    assertFalse(g.allows("gh", "delete_repo", "delete_repo"));
    PolicyException e = assertThrows(PolicyException.class, () -> Policy.parse("version: 1\nremotes:\n"
        + "  gh: { url: \"https://gh/mcp\" }\n  gl: { url: \"https://gl/mcp\" }\n"
        + "agents:\n  x:\n    remotes: [gh]\n    tools: [\"gh__a\", \"gl__b\"]\n", "p.yaml"));
    assertTrue(e.problems().stream().anyMatch(q -> q.message().contains("'gl__b' in agents.x.tools is for remote "
        + "'gl'")), e.problems().toString());
  }
}
