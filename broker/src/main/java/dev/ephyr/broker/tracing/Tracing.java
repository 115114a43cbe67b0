package dev.ephyr.broker.tracing;

import dev.ephyr.broker.config.TracingSettings;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.VertxBuilder;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A node's tracing: off, or an OpenTelemetry SDK for which Vert.x records a span per HTTP request, HTTP client
 * call and event-bus hop, carrying W3C trace context between nodes. Spans pass {@link RedactingSpanProcessor}
 * before any exporter sees them; nothing of a request's headers or body becomes an attribute.
 */
public final class Tracing implements AutoCloseable {
  /** The instrumentation scope of the spans the broker itself starts. */
  public static final String SCOPE = "dev.ephyr.broker";

  private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
  private static final Tracing OFF = new Tracing(null);

  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
  }

  /** No tracing: Vert.x gets no tracer and requests pay nothing for it. */
  public static Tracing off() {
    return OFF;
  }

  /** Tracing as {@code settings} say: spans batched (bounded queue, dropped when full) to the OTLP endpoint. */
  public static Tracing of(TracingSettings settings, String nodeId, String clusterName) {
    if (!settings.enabled()) {
      return OFF;
    }
    SpanExporter otlp = OtlpHttpSpanExporter.builder().setEndpoint(settings.endpoint()).setTimeout(EXPORT_TIMEOUT)
        .build();
    Sampler sampler = Sampler.parentBased(Sampler.traceIdRatioBased(settings.samplePercent() / 100.0));
    return new Tracing(sdk(BatchSpanProcessor.builder(otlp).build(), sampler, nodeId, clusterName));
  }

  /**
   * Every span, as soon as it ends, to {@code exporter} (tests and embedding: an in-memory exporter sees a
   * request's spans when its reply is written).
   */
  public static Tracing exportingTo(SpanExporter exporter, String nodeId, String clusterName) {
    return new Tracing(sdk(SimpleSpanProcessor.create(exporter), Sampler.alwaysOn(), nodeId, clusterName));
  }

  private static OpenTelemetrySdk sdk(SpanProcessor export, Sampler sampler, String nodeId, String clusterName) {
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "ephyr",
        AttributeKey.stringKey("service.namespace"), clusterName,
        AttributeKey.stringKey("service.instance.id"), nodeId)));
    SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource).setSampler(sampler)
        .addSpanProcessor(SpanProcessor.composite(new RedactingSpanProcessor(), export))
        .build();
    // W3C trace context only: baggage would let a caller put arbitrary data into every hop's headers.
    return OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
  }

  /** Whether spans are recorded. */
  public boolean enabled() {
    return sdk != null;
  }

  /**
   * {@code builder} with this tracing's tracer (unchanged when off). Only the tracer is given, no tracing
   * options: with options, Vert.x would also load the factory from the classpath, bound to the global SDK.
   */
  public VertxBuilder apply(VertxBuilder builder) {
    return sdk == null ? builder : builder.withTracer(new OpenTelemetryTracingFactory(sdk));
  }

  /** The tracer for the broker's own spans (a no-op tracer when off). */
  public Tracer tracer() {
    return (sdk == null ? OpenTelemetry.noop() : sdk).getTracer(SCOPE);
  }

  /** Exports what is queued (bounded wait) and stops. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(EXPORT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
