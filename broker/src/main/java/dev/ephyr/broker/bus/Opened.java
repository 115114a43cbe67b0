package dev.ephyr.broker.bus;

import io.vertx.core.json.JsonObject;

/** What {@link BusSeal#open} made of a message from another node. */
public sealed interface Opened {

  /**
   * Authentic, fresh and first seen.
   *
   * @param body the sender's message
   * @param from the sending node's id (as sealed; proven to hold the keyring)
   * @param nonce the message's nonce, which a sealed reply is bound to
   */
  record Ok(JsonObject body, String from, String nonce) implements Opened {}

  /**
   * Refused; {@code code} is stable ({@code bus_unsealed}, {@code bus_malformed}, {@code bus_unknown_key},
   * {@code bus_stale}, {@code bus_bad_mac}, {@code bus_replayed}, {@code bus_busy}), {@code detail} is for audit.
   */
  record Refused(String code, String detail) implements Opened {}
}
