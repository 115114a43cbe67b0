package dev.ephyr.broker;

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

  static EventBusOptions options(NodeConfig config, String bindHost) throws ConfigException {
    EventBusOptions o = new EventBusOptions().setHost(bindHost);
    if (config.eventBusTlsCert().isEmpty()) {
      return o;
    }
    for (var p : java.util.List.of(config.eventBusTlsCert().get(), config.eventBusTlsKey().get(),
        config.eventBusTlsCa().get())) {
      if (!Files.isReadable(p)) {
        throw new ConfigException(p + ": cannot read this event-bus TLS file (make them with 'ephyr certs init')");
      }
    }
    return o.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.eventBusTlsCert().get().toString())
            .setKeyPath(config.eventBusTlsKey().get().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(config.eventBusTlsCa().get().toString()))
        .setClientAuth(ClientAuth.REQUIRED);
  }
}
