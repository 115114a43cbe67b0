package dev.ephyr.broker.boot;

import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.EventBusSettings;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;

/**
 * The clustered event bus's network options: it listens on the cluster interface only, and with
 * {@code eventbus.tls-*} set it speaks TLS both ways: every node presents its certificate and accepts only
 * peers whose certificate the cluster CA signed ({@code ephyr certs init} makes them).
 */
final class EventBusTls {
  private EventBusTls() {}

  static EventBusOptions options(EventBusSettings config, String bindHost) throws ConfigException {
    EventBusOptions o = new EventBusOptions().setHost(bindHost);
    if (config.tlsCert().isEmpty()) {
      return o;
    }
    for (var p : java.util.List.of(config.tlsCert().get(), config.tlsKey().get(),
        config.tlsCa().get())) {
      if (!Files.isReadable(p)) {
        throw new ConfigException(p + ": cannot read this event-bus TLS file (make them with 'ephyr certs init')");
      }
    }
    return o.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCert().get().toString())
            .setKeyPath(config.tlsKey().get().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(config.tlsCa().get().toString()))
        .setClientAuth(ClientAuth.REQUIRED);
  }
}
