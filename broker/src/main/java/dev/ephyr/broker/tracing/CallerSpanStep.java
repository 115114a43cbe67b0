package dev.ephyr.broker.tracing;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;

/**
 * Names the authenticated caller (agent, task) on the request's span. Runs right after authentication, only
 * when tracing is on; ids only, never a credential.
 */
public final class CallerSpanStep implements Step {

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    name(Span.current(), exchange.get(Attributes.CALLER));
    return chain.proceed(exchange);
  }

  /** Puts the caller's agent and task (when it has one) on {@code span}. */
  public static void name(Span span, Caller caller) {
    if (caller == null) {
      return;
    }
    span.setAttribute(SpanNames.AGENT, caller.agent());
    if (caller.task() != null) {
      span.setAttribute(SpanNames.TASK, caller.task());
    }
  }
}
