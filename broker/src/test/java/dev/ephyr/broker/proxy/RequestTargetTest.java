package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RequestTargetTest {

  private static RequestTarget valid(String s) {
    return assertInstanceOf(RequestTarget.Valid.class, RequestTarget.parse(s), s).target();
  }

  @Test
  void keepsTheRawFormAndMatchesOnTheDecodedOne() {
    RequestTarget t = valid("/api/v1/repos/a%20b/issues?state=open&q=x%2Fy");
    assertEquals("/api/v1/repos/a%20b/issues", t.rawPath());
    assertEquals("/api/v1/repos/a b/issues", t.decodedPath());
    assertEquals("state=open&q=x%2Fy", t.rawQuery());
    assertEquals("/", valid("").rawPath());
    assertEquals("/", valid("/").decodedPath());
    assertEquals("/a/", valid("/a/").decodedPath());
    assertNull(valid("/a?").rawQuery());
    assertEquals("/caf\u00e9", valid("/caf%C3%A9").decodedPath());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a/../b", "/a/./b", "/..", "/a/%2e%2e/b", "/a/%2E./b", "/a/.%2e/b", "/a/..;x/b",
      "/a/%2e%2e;/b", "/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "//evil.example/x", "/a//b", "/a%00b", "/a%0d%0ab",
      "/a%252e%252e/b", "/a%252fb", "a/b", "http://x/y", "/a b", "/a\tb", "/a#b", "/caf\u00e9", "/a%zz",
      "/a%c3", "/a%", "/a?x=%zz"})
  void refusesTraversalAndAmbiguousSpellings(String s) {
    assertInstanceOf(RequestTarget.Invalid.class, RequestTarget.parse(s), s);
  }

  @Test
  void boundsTheLength() {
    assertInstanceOf(RequestTarget.Invalid.class, RequestTarget.parse("/" + "a".repeat(RequestTarget.MAX_CHARS)));
  }
}
