package dev.ephyr.broker.http;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Runs a fixed list of steps, written once top to bottom, and polices the proceed-once contract. */
public final class Pipeline {
  private final List<Step> steps;

  /** A pipeline of {@code steps}, outermost first; the last one must answer without proceeding. */
  public Pipeline(List<Step> steps) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("a pipeline needs at least one step");
    }
    this.steps = List.copyOf(steps);
  }

  /** Runs the pipeline for {@code exchange}. */
  public Future<Reply> run(Exchange exchange) {
    return at(0, exchange);
  }

  private Future<Reply> at(int index, Exchange exchange) {
    if (index == steps.size()) {
      return Future.failedFuture(new IllegalStateException(
          "step " + steps.get(index - 1).getClass().getSimpleName() + " proceeded past the end of the pipeline"));
    }
    Step step = steps.get(index);
    AtomicBoolean called = new AtomicBoolean();
    Step.Chain chain = next -> {
      if (!called.compareAndSet(false, true)) {
        return Future.failedFuture(new IllegalStateException(
            "step " + step.getClass().getSimpleName() + " called proceed more than once"));
      }
      return at(index + 1, next);
    };
    try {
      Future<Reply> reply = step.handle(exchange, chain);
      if (reply == null) {
        return Future.failedFuture(new IllegalStateException("step " + step.getClass().getSimpleName() + " returned null"));
      }
      return reply;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
