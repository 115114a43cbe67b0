package dev.ephyr.protocol.caveat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tool patterns in both spellings: {@code remote__tool} (listed names) and the older {@code remote.tool}. */
class ToolGrantNamesTest {

  @Test
  void bothSpellings_arePatterns_andNameTheirRemote() {
    for (String p : new String[] {"gh__list_repos", "gh__list_*", "gh.list_repos", "gh.a__b", "gh__a.b"}) {
      assertTrue(ToolGrant.isPattern(p), p);
      assertEquals("gh", ToolGrant.remoteOf(p), p);
    }
    for (String p : new String[] {"gh__", "__x", "g*__x", "gh_list", "gh.", ".x", "g*.x"}) {
      assertFalse(ToolGrant.isPattern(p), p);
    }
    assertNull(ToolGrant.remoteOf("nothing"));
  }

  @Test
  void newSpelling_grantsOnlyWhatItNames() {
    ToolGrant g = ToolGrant.of("gh__list_repos");
    assertTrue(g.allows("gh", "list_repos", "list_repos"));
    assertFalse(g.allows("gh", "delete_repo", "delete_repo"));
    assertFalse(g.allows("gh", "list_repos_all", "list_repos_all"));
    assertFalse(g.allows("other", "list_repos", "list_repos"));
    // A remote whose name begins like the pattern's is another remote.
    assertFalse(ToolGrant.of("gh__*").allows("ghx", "list_repos", "list_repos"));
    assertFalse(ToolGrant.of("g__*").allows("gh", "list_repos", "list_repos"));
    assertTrue(g.mayAllowRemote("gh"));
    assertFalse(g.mayAllowRemote("g"));
    assertFalse(g.mayAllowRemote("ghx"));
  }

  @Test
  void oldSpelling_keepsMatchingTheRemotesNames_notListedOnes() {
    ToolGrant old = ToolGrant.of("gh.get.file");
    assertTrue(old.allows("gh", "get.file", "get_file-0123456789"));
    assertFalse(old.allows("gh", "get_file", "get_file"));
    assertTrue(old.allows("gh.get.file"));
    // Only the new spelling is written against listed (mapped) names.
    assertFalse(ToolGrant.of("gh.get_file-0123456789").allows("gh", "get.file", "get_file-0123456789"));
    assertTrue(ToolGrant.of("gh__get_file-0123456789").allows("gh", "get.file", "get_file-0123456789"));
    assertTrue(ToolGrant.of("gh__get.file").allows("gh", "get.file", "get_file-0123456789"));
  }

  @Test
  void chainedLists_stillIntersect_acrossSpellings() {
    ToolGrant both = ToolGrant.of("gh.list_*").intersect(ToolGrant.of("gh__list_repos", "gh__delete_repo"));
    assertTrue(both.allows("gh", "list_repos", "list_repos"));
    assertFalse(both.allows("gh", "delete_repo", "delete_repo"));
    assertFalse(both.allows("gh", "list_orgs", "list_orgs"));
  }

  @Test
  void envelope_refusesRemotesThatHoldASeparator() {
    Envelope e = Envelope.builder().set(Dimension.REMOTES, IdSet.of("a__b", "a")).expiresAt(4_000_000_000L).tools(ToolGrant.of("a__b__c")).build();
    assertFalse(e.allowsTool("a__b", "c", "c"));
    assertTrue(e.allowsTool("a", "b__c", "b__c"));
  }
}
