package dev.ephyr.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class McpAnswersTest {
  private static List<String> read(String contentType, String body) throws IOException {
    List<String> out = new ArrayList<>();
    McpAnswers.read(contentType, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
        m -> out.add(new String(m, StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void eventStream_deliversEveryEventsData_inOrder() throws IOException {
    String sse = ": comment\r\nevent: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\r\n"
        + "data: {\"jsonrpc\":\"2.0\",\n\ndata:\"id\":1,\ndata: \"result\":{}}\n\n"
        + "retry: 100\n\n"
        + "data: {\"last\":true}";
    assertEquals(List.of("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}",
        "{\"jsonrpc\":\"2.0\",", "\"id\":1,\n\"result\":{}}", "{\"last\":true}"), read("text/event-stream; charset=utf-8", sse));
  }

  @Test
  void json_isOneMessage_andEmptyBodiesNone() throws IOException {
    assertEquals(List.of("{\"id\":1}"), read("application/json", "{\"id\":1}"));
    assertEquals(List.of(), read("application/json", " \n"));
    assertEquals(List.of(), read(null, ""));
  }

  @Test
  void oversizedEvents_areRefused() {
    byte[] huge = new byte[McpAnswers.MAX_MESSAGE + 10];
    java.util.Arrays.fill(huge, (byte) 'a');
    assertThrows(IOException.class, () -> McpAnswers.read("text/event-stream", new ByteArrayInputStream(huge), m -> { }));
  }

  @Test
  void urls_normaliseToTheMcpEndpoint() throws ClientException {
    assertEquals("http://127.0.0.1:8554/mcp", McpUrl.of("http://127.0.0.1:8554"));
    assertEquals("https://b.example/mcp", McpUrl.of("HTTPS://b.example/"));
    assertEquals("http://[::1]:9/x/mcp", McpUrl.of("http://[::1]:9/x/mcp"));
    for (String bad : new String[] {"ftp://x/mcp", "http://u:p@x/mcp", "http://x/mcp?a=1", "/mcp", "x y"}) {
      assertThrows(ClientException.class, () -> McpUrl.of(bad), bad);
    }
  }

  @Test
  void refusals_parseTheBrokersShape_andSayWhatToDo() {
    Refusal r = Refusal.parse(401, "{\"error\":\"revoked\",\"message\":\"gone\\nnow\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals("revoked", r.code());
    assertEquals("gone now", r.message());
    assertEquals(true, r.terminal());
    assertEquals(false, Refusal.parse(503, "{\"error\":\"cluster_unavailable\"}".getBytes(StandardCharsets.UTF_8)).terminal());
    assertEquals("refused", Refusal.parse(401, "<html>".getBytes(StandardCharsets.UTF_8)).code());
  }
}
