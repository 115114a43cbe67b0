package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

  @Test
  void findsASecretSplitAcrossEveryChunkBoundary() {
    String secret = "tok-0123456789abcdef";
    String text = "before " + secret + " middle " + secret + secret + " end";
    for (int size = 1; size <= text.length(); size++) {
      Redactor r = Redactor.of(List.of(secret));
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < text.length(); i += size) {
        out.append(r.next(Buffer.buffer(text.substring(i, Math.min(text.length(), i + size)))).toString());
      }
      out.append(r.finish().toString());
      assertEquals("before [redacted] middle [redacted][redacted] end", out.toString(), "chunk size " + size);
      assertEquals(3, r.redactions());
    }
  }

  @Test
  void everySpellingIsRemovedAndShortSecretsAreLeftAlone() {
    Redactor r = Redactor.of(List.of("a/b+c=secret-value", "a%2Fb%2Bc%3Dsecret-value", "short"));
    String out = r.scrub("x a/b+c=secret-value y a%2Fb%2Bc%3Dsecret-value z short");
    assertFalse(out.contains("secret-value"));
    assertEquals("x [redacted] y [redacted] z short", out);
    assertEquals("same", Redactor.none().scrub("same"));
  }
}
