package dev.ephyr.broker.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The log levels the {@code ephyr} command starts with (slf4j-simple properties), each overridable by a
 * {@code -D} of the same name in {@code EPHYR_JAVA_OPTS}: Hazelcast's INFO chatter off, and the warnings it
 * repeats for every retry while a member restarts (expected in a rolling restart; docs/operations.md §7) down to
 * errors. Membership changes, lost partitions and failed migrations stay warnings.
 */
final class LogDefaults {
  private static final String PREFIX = "org.slf4j.simpleLogger.log.";

  /** Logger → level (slf4j-simple takes the most specific name that is set, whatever the order). */
  static final Map<String, String> LEVELS = levels();

  private LogDefaults() {}

  private static Map<String, String> levels() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("com.hazelcast", "warn");
    // "Removing connection to endpoint ... Connection refused": every retry to a member that is down or restarting.
    m.put("com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler", "error");
    // "Connection[...] closed. Reason: ...": a member left (its departure is logged by the membership manager).
    m.put("com.hazelcast.internal.server.tcp.TcpServerConnection", "error");
    // "Not Member! target: ...": an operation raced a member's departure and is retried on the new owner.
    m.put("com.hazelcast.spi.impl.operationservice.OperationService", "error");
    m.put("com.hazelcast.spi.impl.operationservice.impl.InvokeOnPartitions", "error");
    // "Following unknown addresses are found in partition table": a member joined a moment ago.
    m.put("com.hazelcast.internal.partition.InternalPartitionService", "error");
    // "getOrCreateProvider(BC) created instance ...": sshd announcing BouncyCastle on first key use.
    m.put("org.apache.sshd.common.util.security", "warn");
    return Map.copyOf(m);
  }

  /**
   * Sets every default level that {@code properties} does not already name. An operator who names a level for
   * {@code com.hazelcast} itself gets it for all of Hazelcast: none of the quieter defaults below it are set.
   */
  static void apply(Properties properties) {
    boolean hazelcastChosen = properties.getProperty(PREFIX + "com.hazelcast") != null;
    for (Map.Entry<String, String> e : LEVELS.entrySet()) {
      if (hazelcastChosen && e.getKey().startsWith("com.hazelcast.")) {
        continue;
      }
      if (properties.getProperty(PREFIX + e.getKey()) == null) {
        properties.setProperty(PREFIX + e.getKey(), e.getValue());
      }
    }
  }
}
