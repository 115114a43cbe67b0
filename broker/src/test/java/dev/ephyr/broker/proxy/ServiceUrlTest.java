package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceUrlTest {
  private static final URI ORIGIN = URI.create("https://svc.example.com");

  private static boolean same(String url) {
    return ServiceUrl.split(url) instanceof ServiceUrl.Split s && ServiceUrl.sameOrigin(s, ORIGIN);
  }

  @Test
  void acceptsExactlyTheOrigin() {
    assertTrue(same("https://svc.example.com/a"));
    assertTrue(same("https://SVC.example.COM:443/a?b"));
    assertTrue(same("HTTPS://svc.example.com"));
    ServiceUrl.Split s = assertInstanceOf(ServiceUrl.Split.class, ServiceUrl.split("https://svc.example.com?x=1"));
    assertEquals("/?x=1", s.pathAndQuery());
    assertTrue(ServiceUrl.split("http://[::1]:8080/x") instanceof ServiceUrl.Split v6
        && v6.host().equals("[::1]") && v6.port() == 8080);
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://svc.example.com.evil/", "https://svc.example.com.evil.example/",
      "https://evil.example/svc.example.com", "https://svc.example.com./", "http://svc.example.com/",
      "https://svc.example.com:8443/", "https://svc.example.co/", "https://xsvc.example.com/"})
  void refusesOtherOrigins(String url) {
    assertFalse(same(url), url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://svc.example.com:@evil.example/", "https://svc.example.com@evil.example/",
      "https://svc.example.com:443:x@10.0.0.66/", "https://evil@svc.example.com/", "https://svc.example.com\\@evil/",
      "https://svc.example.com%2f@evil/", "https://svc.example.com:4a3/", "https://svc.example.com:99999/",
      "https://svc.example.com:/", "https:///x", "ftp://svc.example.com/", "//svc.example.com/", "svc.example.com",
      " https://svc.example.com/", "https://svc.exam ple.com/", "https://svc.ex\u00e4mple.com/", "https://[::1/"})
  void refusesConfusableAuthorities(String url) {
    assertInstanceOf(ServiceUrl.Bad.class, ServiceUrl.split(url), url);
  }
}
