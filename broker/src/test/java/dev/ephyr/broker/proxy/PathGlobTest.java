package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathGlobTest {

  @Test
  void starStaysInOneSegmentAndDoubleStarCrossesThem() {
    assertTrue(PathGlob.matches("/api/v1/user", "/api/v1/user"));
    assertFalse(PathGlob.matches("/api/v1/user", "/api/v1/user/keys"));
    assertFalse(PathGlob.matches("/api/v1/user", "/api/v1/users"));
    assertTrue(PathGlob.matches("/api/*/user", "/api/v2/user"));
    assertFalse(PathGlob.matches("/api/*/user", "/api/v2/x/user"));
    assertTrue(PathGlob.matches("/repos/*", "/repos/a"));
    assertFalse(PathGlob.matches("/repos/*", "/repos/a/b"));
    assertTrue(PathGlob.matches("/repos/**", "/repos/a/b/c"));
    assertTrue(PathGlob.matches("/repos/**", "/repos"));
    assertTrue(PathGlob.matches("/repos/**", "/repos/"));
    assertFalse(PathGlob.matches("/repos/**", "/reposx"));
    assertFalse(PathGlob.matches("/repos/**", "/other/repos/a"));
    assertTrue(PathGlob.matches("/**/issues", "/a/b/issues"));
    assertTrue(PathGlob.matches("/v*.json", "/v1.json"));
    assertTrue(PathGlob.matches("/**", "/"));
  }
}
