package dev.ephyr.broker.federation;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Runs the federation schedule (discovery, refresh, backoff) on its own context; deployed as a worker so
 * discovery never holds an event loop. Tool calls do not pass through it: they run on the caller's loop.
 */
public final class FederationVerticle extends VerticleBase {
  private final Federation federation;

  /** Runs {@code federation}'s schedule. */
  public FederationVerticle(Federation federation) {
    this.federation = federation;
  }

  @Override
  public Future<?> start() {
    federation.start(context);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return federation.stop();
  }
}
