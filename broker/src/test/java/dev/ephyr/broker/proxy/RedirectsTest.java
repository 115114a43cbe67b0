package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RedirectsTest {
  private static final URI ORIGIN = URI.create("https://svc.example.com");

  private static String target(String location) {
    return Redirects.sameOriginTarget(location, ORIGIN, "/api/v1/items");
  }

  @Test
  void sameOriginTargetsBecomePaths() {
    assertEquals("/login?next=%2F", target("/login?next=%2F"));
    assertEquals("/api/v1/other", target("other"));
    assertEquals("/api/x", target("../x"));
    assertEquals("/a", target("https://svc.example.com/a#frag"));
    assertEquals("/a", target("https://SVC.example.com:443/a"));
    assertEquals("/a", target("//svc.example.com/a"));
  }

  @Test
  void otherOriginsAreWithheld() {
    assertNull(target("https://evil.example/a"));
    assertNull(target("//evil.example/a"));
    assertNull(target("http://svc.example.com/a"));
    assertNull(target("https://svc.example.com:8443/a"));
    assertNull(target("https://svc.example.com@evil.example/a"));
    assertNull(target("https://svc.example.com.evil.example/a"));
    assertNull(target("javascript:alert(1)"));
    assertNull(target("/../../x"));
    assertNull(target(""));
  }
}
