package dev.ephyr.broker.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * TLS between the nodes' event buses ({@code eventbus.tls-*}): all three files, or none.
 *
 * @param tlsCert this node's certificate chain (PEM)
 * @param tlsKey this node's private key (PEM, PKCS#8)
 * @param tlsCa the cluster CA certificate (PEM); peers must present a certificate it signed
 */
public record EventBusSettings(Optional<Path> tlsCert, Optional<Path> tlsKey, Optional<Path> tlsCa) {

  /** Whether event-bus TLS is on. */
  public boolean tls() {
    return tlsCert.isPresent();
  }

  static EventBusSettings read(Values v) {
    EventBusSettings e = new EventBusSettings(v.file(Settings.EVENTBUS_TLS_CERT), v.file(Settings.EVENTBUS_TLS_KEY),
        v.file(Settings.EVENTBUS_TLS_CA));
    long set = List.of(e.tlsCert, e.tlsKey, e.tlsCa).stream().filter(Optional::isPresent).count();
    if (set != 0 && set != 3) {
      Setting at = v.isSet(Settings.EVENTBUS_TLS_CERT) ? Settings.EVENTBUS_TLS_CERT
          : v.isSet(Settings.EVENTBUS_TLS_KEY) ? Settings.EVENTBUS_TLS_KEY : Settings.EVENTBUS_TLS_CA;
      v.problem(at, "eventbus.tls-cert, eventbus.tls-key and eventbus.tls-ca must be set together "
          + "(make them with 'ephyr certs init')");
    }
    return e;
  }
}
