package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The start-up log levels: Hazelcast's restart noise quieted, membership warnings kept, an explicit -D wins. */
class LogDefaultsTest {
  private static final String P = "org.slf4j.simpleLogger.log.";

  @Test
  void restartNoise_isQuieted_membershipWarningsStay_andAnExplicitLevelWins() {
    Properties p = new Properties();
    p.setProperty(P + "com.hazelcast.internal.server.tcp.TcpServerConnection", "debug");
    LogDefaults.apply(p);
    assertEquals("warn", p.getProperty(P + "com.hazelcast"));
    assertEquals("error", p.getProperty(P + "com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler"));
    assertEquals("error", p.getProperty(P + "com.hazelcast.spi.impl.operationservice.OperationService"));
    assertEquals("debug", p.getProperty(P + "com.hazelcast.internal.server.tcp.TcpServerConnection"));
    assertEquals(null, p.getProperty(P + "com.hazelcast.internal.cluster.impl.MembershipManager"),
        "suspected and removed members stay warnings (inherited from com.hazelcast)");
    assertEquals(null, p.getProperty(P + "com.hazelcast.internal.partition.impl.MigrationManagerImpl"));
  }

  @Test
  void aLevelForAllOfHazelcast_setsNoneOfTheQuieterOnes() {
    Properties p = new Properties();
    p.setProperty(P + "com.hazelcast", "info");
    LogDefaults.apply(p);
    assertEquals("info", p.getProperty(P + "com.hazelcast"));
    assertEquals(null, p.getProperty(P + "com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler"),
        "the operator asked to see everything of Hazelcast");
    assertEquals("warn", p.getProperty(P + "org.apache.sshd.common.util.security"));
  }
}
