package dev.ephyr.broker.http;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Refuses browser requests from origins outside the allow-list (DNS-rebinding protection); requests
 * without an {@code Origin} header (non-browser clients) pass.
 */
public final class OriginStep implements Step {
  private final Supplier<? extends Collection<String>> allowed;

  /** Allows exactly {@code allowed} (e.g. {@code https://app.example}). */
  public OriginStep(List<String> allowed) {
    Set<String> fixed = Set.copyOf(allowed);
    this.allowed = () -> fixed;
  }

  /** Allows exactly what {@code allowed} names when a request arrives (a configuration reload may change it). */
  public OriginStep(Supplier<? extends Collection<String>> allowed) {
    this.allowed = allowed;
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    List<String> origins = exchange.headers("Origin");
    if (origins.isEmpty()) {
      return chain.proceed(exchange);
    }
    if (origins.size() == 1 && allowed.get().contains(origins.get(0))) {
      return chain.proceed(exchange);
    }
    String o = origins.get(0);
    return Future.succeededFuture(Reply.error(403, "origin_not_allowed",
        "requests from this Origin are not allowed", "origin " + (o.length() > 100 ? o.substring(0, 100) : o)));
  }
}
