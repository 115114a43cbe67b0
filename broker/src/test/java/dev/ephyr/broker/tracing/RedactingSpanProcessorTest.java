package dev.ephyr.broker.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

/** What Vert.x records on HTTP spans reaches no exporter with its query string. */
class RedactingSpanProcessorTest {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final Tracer tracer = SdkTracerProvider.builder()
      .addSpanProcessor(SpanProcessor.composite(new RedactingSpanProcessor(), SimpleSpanProcessor.create(exported)))
      .build().get("test");

  private SpanData record(String key, String value) {
    tracer.spanBuilder("GET").setAttribute(key, value).startSpan().end();
    return exported.getFinishedSpanItems().get(exported.getFinishedSpanItems().size() - 1);
  }

  @Test
  void proxiedCallWithACredentialInTheQuery_isExportedWithoutIt() {
    SpanData s = record("url.full", "https://api.example/v1/items?limit=5&api_key=s3cr3t-value#top");
    assertEquals("https://api.example/v1/items?[redacted]", s.getAttributes().get(AttributeKey.stringKey("url.full")));
    assertFalse(s.toString().contains("s3cr3t"), s.toString());
  }

  @Test
  void serverSpan_queryAndUrl_areCut() {
    tracer.spanBuilder("POST").setAttribute("http.url", "http://node:8554/v1/proxy/gh/user?token=abc")
        .setAttribute("url.query", "token=abc").setAttribute("url.path", "/v1/proxy/gh/user").startSpan().end();
    SpanData s = exported.getFinishedSpanItems().get(0);
    assertEquals("http://node:8554/v1/proxy/gh/user?[redacted]", s.getAttributes().get(AttributeKey.stringKey("http.url")));
    assertEquals("[redacted]", s.getAttributes().get(AttributeKey.stringKey("url.query")));
    assertEquals("/v1/proxy/gh/user", s.getAttributes().get(AttributeKey.stringKey("url.path")));
    assertFalse(s.toString().contains("abc"), s.toString());
  }

  @Test
  void urlWithoutQuery_staysAsItWas_andAFragmentGoes() {
    assertEquals("https://api.example/v1", RedactingSpanProcessor.withoutQuery("https://api.example/v1"));
    assertEquals("https://api.example/v1", RedactingSpanProcessor.withoutQuery("https://api.example/v1#x?y"));
  }
}
