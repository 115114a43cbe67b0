package dev.ephyr.broker.config;

/**
 * OpenTelemetry tracing ({@code tracing.*}); off by default.
 *
 * @param enabled whether spans are exported
 * @param endpoint the collector's OTLP/HTTP traces URL
 * @param samplePercent share of new traces kept (a sampled parent is always followed)
 */
public record TracingSettings(boolean enabled, String endpoint, int samplePercent) {

  static TracingSettings read(Values v) {
    return new TracingSettings(v.bool(Settings.TRACING_ENABLED), v.text(Settings.TRACING_ENDPOINT),
        v.integer(Settings.TRACING_SAMPLE_PERCENT));
  }
}
