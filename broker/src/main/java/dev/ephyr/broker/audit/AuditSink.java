package dev.ephyr.broker.audit;

/**
 * Where audit events go. Must not block: called on event loops. The logging implementation is the first;
 * a durable, hash-chained file writer replaces it later.
 */
public interface AuditSink {

  /** Records {@code event}. Never throws, never blocks. */
  void record(AuditEvent event);

  /** A sink that drops everything (tests of single steps). */
  AuditSink NONE = event -> {};
}
