package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SecretMatcherTest {
  private static final String SECRET = "s3cr+t/k=y \"<&>' é€";

  /** Spellings a reflecting server produces; each must be found whole. */
  private static List<String> spellings(String secret) {
    byte[] b = secret.getBytes(StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    out.add(secret);
    out.add(asciiUpper(secret));
    out.add(URLEncoder.encode(secret, StandardCharsets.UTF_8));
    out.add(URLEncoder.encode(secret, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT));
    out.add(URLEncoder.encode(URLEncoder.encode(secret, StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    out.add(secret.replace(" ", "%20"));
    StringBuilder json = new StringBuilder();
    StringBuilder jsonUpper = new StringBuilder();
    StringBuilder html = new StringBuilder();
    StringBuilder htmlHex = new StringBuilder();
    for (char c : secret.toCharArray()) {
      json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      jsonUpper.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
      html.append("&#").append((int) c).append(';');
      htmlHex.append(String.format(Locale.ROOT, "&#x%X;", (int) c));
    }
    out.add(json.toString());
    out.add(jsonUpper.toString());
    out.add(html.toString());
    out.add(htmlHex.toString());
    // What a JSON encoder makes of it: '/' escaped, quotes and backslashes escaped, the rest as is.
    out.add(secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/"));
    // What an HTML error page makes of it.
    out.add(secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;"));
    out.add(HexFormat.of().formatHex(b));
    out.add(HexFormat.of().withUpperCase().formatHex(b));
    return out;
  }

  /** A service upper-casing what it echoes (ASCII letters; other letters change their UTF-8 bytes). */
  private static String asciiUpper(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c < 0x80 ? Character.toUpperCase(c) : c);
    }
    return b.toString();
  }

  @Test
  void scrub_removesEverySpelling_andLeavesTheRestAlone() {
    SecretMatcher m = SecretMatcher.of(List.of(SECRET));
    for (String s : spellings(SECRET)) {
      String text = "before " + s + " after";
      assertEquals("before [redacted] after", m.scrub(text), "spelling " + s);
    }
    assertEquals("nothing here", m.scrub("nothing here"));
    assertEquals("s3cr+t/k=y", m.scrub("s3cr+t/k=y"), "a prefix is not the secret");
  }

  @Test
  void base64_isFoundInsideALargerBlob_atEveryAlignment() {
    SecretMatcher m = SecretMatcher.of(List.of(SECRET));
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    for (int before = 0; before < 6; before++) {
      for (int after = 0; after < 4; after++) {
        byte[] blob = new byte[before + secret.length + after];
        java.util.Arrays.fill(blob, (byte) 'q');
        System.arraycopy(secret, 0, blob, before, secret.length);
        for (String enc : List.of(Base64.getEncoder().encodeToString(blob),
            Base64.getUrlEncoder().withoutPadding().encodeToString(blob),
            Base64.getEncoder().encodeToString(blob).replace("/", "\\/"))) {
          assertTrue(m.scrub(enc).contains("[redacted]"), before + "/" + after + ": " + enc);
        }
      }
    }
  }

  @Test
  void aBasicToken_isFoundThroughTheSecretItHolds() {
    SecretMatcher m = SecretMatcher.of(List.of("robot-password-1"));
    String token = Base64.getEncoder().encodeToString("robot:robot-password-1".getBytes(StandardCharsets.UTF_8));
    assertTrue(m.scrub("Basic " + token).contains("[redacted]"));
  }

  @Test
  void streaming_findsEverySpelling_splitAtEveryChunkSize() {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    List<byte[]> forms = new ArrayList<>();
    for (String s : spellings(SECRET)) {
      forms.add(s.getBytes(StandardCharsets.UTF_8));
    }
    forms.add(SECRET.getBytes(StandardCharsets.UTF_16LE));
    forms.add(SECRET.getBytes(StandardCharsets.UTF_16BE));
    for (byte[] f : forms) {
      all.write('|');
      all.writeBytes(f);
    }
    all.write('|');
    byte[] bytes = all.toByteArray();
    int expected = forms.size();
    for (int size : new int[] {1, 2, 3, 5, 7, 13, 64, 1000}) {
      Redactor r = Redactor.of(List.of(SECRET));
      Buffer out = Buffer.buffer();
      for (int i = 0; i < bytes.length; i += size) {
        out.appendBuffer(r.next(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length,
            i + size)))));
      }
      out.appendBuffer(r.finish());
      assertEquals(expected, r.redactions(), "chunk size " + size + ": " + out);
      assertEquals("|[redacted]".repeat(expected) + "|", out.toString(StandardCharsets.ISO_8859_1),
          "chunk size " + size);
    }
  }

  @Test
  void oneMatcher_sharedByThreadsAtOnce_givesEveryThreadTheSameAnswer() throws Exception {
    // The proxy builds one matcher per secret and shares it across event loops: it must keep no scratch state.
    SecretMatcher shared = SecretMatcher.of(List.of(SECRET));
    StringBuilder text = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (String s : spellings(SECRET)) {
      text.append("<").append(s).append(">");
      expected.append("<[redacted]>");
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Integer>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(pool.submit(() -> {
          int wrong = 0;
          for (int i = 0; i < 200; i++) {
            wrong += expected.toString().equals(shared.scrub(text.toString())) ? 0 : 1;
            Redactor r = Redactor.over(shared);
            Buffer out = r.next(Buffer.buffer(text.toString())).appendBuffer(r.finish());
            wrong += expected.toString().equals(out.toString(StandardCharsets.ISO_8859_1)) ? 0 : 1;
          }
          return wrong;
        }));
      }
      for (java.util.concurrent.Future<Integer> f : runs) {
        assertEquals(0, f.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shortAndAbsentSecrets_matchNothing_andTheMatcherNeverPrintsTheSecret() {
    assertFalse(SecretMatcher.of(List.of("short")).active());
    assertFalse(SecretMatcher.none().active());
    assertEquals("short text", SecretMatcher.of(List.of("short")).scrub("short text"));
    assertFalse(SecretMatcher.of(List.of(SECRET)).toString().contains("s3cr"));
  }

  @Test
  void aLongSecret_isMatchedWithoutDeepRecursion() {
    String longSecret = "k".repeat(20_000) + "/end";
    SecretMatcher m = SecretMatcher.of(List.of(longSecret));
    assertEquals("a [redacted] b", m.scrub("a " + longSecret.replace("/", "\\/") + " b"));
  }
}
