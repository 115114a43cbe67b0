package dev.ephyr.broker.http;

import io.vertx.core.Future;

/**
 * One concern of a request pipeline (audit, origin, parse, authenticate, dispatch). A step either answers
 * itself (a rejection is a normal reply, never an exception) or calls {@link Chain#proceed} at most once.
 */
public interface Step {

  /** Handles {@code exchange}, usually by proceeding down the chain. */
  Future<Reply> handle(Exchange exchange, Chain chain);

  /** The rest of the pipeline after the current step. */
  interface Chain {
    /** Runs the next step with {@code exchange}; may be called at most once per step. */
    Future<Reply> proceed(Exchange exchange);
  }
}
