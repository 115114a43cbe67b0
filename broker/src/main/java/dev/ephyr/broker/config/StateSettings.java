package dev.ephyr.broker.config;

import java.nio.file.Path;

/**
 * The node's durable security state ({@code state.*}): watermarks, task records, certificate records.
 *
 * @param dir directory of the state file
 * @param maxSize largest the state file may grow before durable writes are refused
 */
public record StateSettings(Path dir, long maxSize) {

  static StateSettings read(Values v, Path dataDir) {
    return new StateSettings(v.path(Settings.STATE_DIR, dataDir, "state"), v.bytes(Settings.STATE_MAX_SIZE));
  }
}
