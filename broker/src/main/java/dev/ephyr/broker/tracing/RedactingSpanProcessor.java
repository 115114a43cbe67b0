package dev.ephyr.broker.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.List;

/**
 * Removes query strings from the URLs Vert.x records on HTTP spans, before any exporter sees them: the proxy
 * injects a service's credential as a query parameter when the policy says so, and an agent's own query may
 * carry anything. Paths, methods and status codes stay.
 */
final class RedactingSpanProcessor implements SpanProcessor {
  static final String REDACTED = "[redacted]";
  private static final List<AttributeKey<String>> URLS = List.of(AttributeKey.stringKey("url.full"),
      AttributeKey.stringKey("http.url"));
  private static final AttributeKey<String> QUERY = AttributeKey.stringKey("url.query");

  @Override
  public void onStart(Context parent, ReadWriteSpan span) {
    for (AttributeKey<String> key : URLS) {
      String url = span.getAttribute(key);
      if (url != null) {
        span.setAttribute(key, withoutQuery(url));
      }
    }
    if (span.getAttribute(QUERY) != null) {
      span.setAttribute(QUERY, REDACTED);
    }
  }

  static String withoutQuery(String url) {
    int f = url.indexOf('#');
    String beforeFragment = f < 0 ? url : url.substring(0, f);
    int q = beforeFragment.indexOf('?');
    return q < 0 ? beforeFragment : beforeFragment.substring(0, q) + "?" + REDACTED;
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
