package dev.ephyr.broker.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseReaderTest {
  private final List<String> out = new ArrayList<>();

  private void feedBytewise(SseReader r, String text) throws Exception {
    for (char c : text.toCharArray()) {
      r.feed(Buffer.buffer(String.valueOf(c)));
    }
  }

  @Test
  void events_acrossChunks_withEveryLineEnding_commentsAndOtherTypes() throws Exception {
    SseReader r = new SseReader(1024, 10, out::add);
    feedBytewise(r, ": hello\r\n\r\ndata: a\r\ndata:b\r\n\r\nevent: ping\ndata: skip\n\nid: 7\rdata: c\r\r"
        + "event: message\ndata: {\"x\":1}\n\ndata: unterminated");
    r.end();
    assertEquals(List.of("a\nb", "c", "{\"x\":1}"), out);
  }

  @Test
  void longLine_isRefused() {
    SseReader r = new SseReader(16, 10, out::add);
    assertThrows(SseReader.SseException.class, () -> r.feed(Buffer.buffer("data: " + "x".repeat(20))));
  }

  @Test
  void largeEventOfManyLines_isRefused() {
    SseReader r = new SseReader(16, 10, out::add);
    assertThrows(SseReader.SseException.class, () -> r.feed(Buffer.buffer("data: 12345678\ndata: 12345678\n")));
  }

  @Test
  void tooManyEvents_isRefused() {
    SseReader r = new SseReader(16, 2, out::add);
    assertThrows(SseReader.SseException.class, () -> r.feed(Buffer.buffer("data: 1\n\ndata: 2\n\ndata: 3\n\n")));
  }
}
